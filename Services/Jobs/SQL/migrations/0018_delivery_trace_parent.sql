-- The W3C traceparent of what caused a delivery (the job's, or the request that asked for a test or
-- a redelivery): the POST to the user's endpoint is a span of that trace and carries the header.
ALTER TABLE deliveries ADD COLUMN trace_parent text CHECK (length(trace_parent) <= 64);

-- The W3C traceparent of the request that submitted a job (null when tracing was off): the worker's
-- run of the job continues that trace, so one trace shows a batch from the edge to its results.
ALTER TABLE jobs ADD COLUMN trace_parent text CHECK (length(trace_parent) <= 64);

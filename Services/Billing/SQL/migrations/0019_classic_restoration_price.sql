-- Restoration's classic method (ImageOps' filter chain, no provider) is priced under its own name so
-- that quotes and results say which ran. It keeps the restoration plan's prices: restore 2, with
-- colourisation (at a provider) 4, one more per started megapixel above 12.
INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels)
SELECT max(version), operation, credits, 1, 12 FROM price_lists,
    (VALUES ('restoration_classic', 2), ('colourization+restoration_classic', 4)) AS new(operation, credits)
GROUP BY operation, credits
ON CONFLICT DO NOTHING;

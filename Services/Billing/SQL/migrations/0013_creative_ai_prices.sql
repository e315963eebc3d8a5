-- The creative platform's first AI tools (issue 27), priced in the price list in force.
INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels)
SELECT max(version), operation, credits, 0, 0 FROM price_lists,
    (VALUES ('replace_background', 3), ('remove_object', 3), ('remove_watermark', 2), ('product_shot', 5)) AS new(operation, credits)
GROUP BY operation, credits
ON CONFLICT DO NOTHING;

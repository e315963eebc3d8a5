-- Upscale's classic method (Lanczos and sharpening in ImageOps, no provider): its own, lower price.
INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels)
SELECT max(version), 'upscale_classic', 1, 0, 0 FROM price_lists
ON CONFLICT DO NOTHING;

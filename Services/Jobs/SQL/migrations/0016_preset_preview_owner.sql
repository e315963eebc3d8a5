-- Whose file a style preset's preview is (the admin who set it): the edge signs a download link
-- to it for everyone who lists the presets.
ALTER TABLE style_presets ADD COLUMN preview_owner text NOT NULL DEFAULT '';

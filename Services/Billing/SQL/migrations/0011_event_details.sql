-- Events say more than a balance: a receipt names its invoice, so the owner's receipt mail can
-- carry it (Jobs' notices, Auth's notifications).
ALTER TABLE events ADD COLUMN detail jsonb NOT NULL DEFAULT '{}';

/// The AI catalogue's SQL (tables of migration 0012).
enum AICatalogueStatements {
    static let providers = """
        SELECT id, kind, base_url, credential, credential_hint, enabled, daily_spend_limit_micros
        FROM ai_providers ORDER BY id
        """
    static let models = """
        SELECT id, operation, provider_id, reference, parameters::text AS parameters, label, price_credits,
               unit_cost_micros, enabled, is_default
        FROM ai_models ORDER BY id
        """
    static let presets = """
        SELECT id, label, template, negative_prompt, preview_file_id, preview_owner, enabled, position
        FROM style_presets ORDER BY position, id
        """
    /// $5 null keeps the stored credential (and its hint).
    static let putProvider = """
        INSERT INTO ai_providers AS p (id, kind, base_url, enabled, daily_spend_limit_micros, credential, credential_hint)
        VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, ''))
        ON CONFLICT (id) DO UPDATE SET kind = $2, base_url = $3, enabled = $4, daily_spend_limit_micros = $5,
            credential = coalesce($6, p.credential), credential_hint = coalesce($7, p.credential_hint), updated_at = now()
        RETURNING credential_hint
        """
    static let clearDefault = "UPDATE ai_models SET is_default = false WHERE operation = $1 AND id <> $2 AND is_default"
    static let putModel = """
        INSERT INTO ai_models (id, operation, provider_id, reference, parameters, label, price_credits, unit_cost_micros,
                               enabled, is_default)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)
        ON CONFLICT (id) DO UPDATE SET operation = $2, provider_id = $3, reference = $4, parameters = $5::jsonb,
            label = $6, price_credits = $7, unit_cost_micros = $8, enabled = $9, is_default = $10, updated_at = now()
        """
    static let putPreset = """
        INSERT INTO style_presets (id, label, template, negative_prompt, preview_file_id, enabled, position, preview_owner)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (id) DO UPDATE SET label = $2, template = $3, negative_prompt = $4, preview_file_id = $5,
            enabled = $6, position = $7, preview_owner = $8, updated_at = now()
        """
    static let deleteProvider =
        "WITH gone AS (DELETE FROM ai_models WHERE provider_id = $1) DELETE FROM ai_providers WHERE id = $1"
    static let deleteModel = "DELETE FROM ai_models WHERE id = $1"
    static let deletePreset = "DELETE FROM style_presets WHERE id = $1"
    static let tierLimits = "SELECT tier_id, daily_limit_micros FROM tier_spend_limits ORDER BY tier_id"
    static let putTierLimit = """
        INSERT INTO tier_spend_limits (tier_id, daily_limit_micros) VALUES ($1, $2)
        ON CONFLICT (tier_id) DO UPDATE SET daily_limit_micros = $2, updated_at = now()
        """
    static let deleteTierLimit = "DELETE FROM tier_spend_limits WHERE tier_id = $1"
}

import Postgres

/// The statements every job's input read and result write runs (a blob by id, the upload row, the
/// object lock, the seal), prepared once per connection: as plain queries PostgreSQL parsed,
/// analysed and planned each one every time — 30 % of Storage's database CPU in a resize batch
/// (docs/performance.md, session 11). Each looks rows up by a key, so its plan does not depend on
/// the values.
enum StorageStatements {
    /// $1 blob id, $2 owner.
    static let ownBlob = PostgresPreparedStatement(
        "SELECT \(BlobRecord.columns) FROM blobs WHERE id = $1 AND owner_id = $2")

    /// $1 blob ids (a uuid[] literal), $2 owner.
    static let ownBlobs = PostgresPreparedStatement(
        "SELECT \(BlobRecord.columns) FROM blobs WHERE id = ANY ($1::uuid[]) AND owner_id = $2")

    /// $1 owner.
    static let usage = PostgresPreparedStatement("SELECT bytes, blobs FROM owner_usage WHERE owner_id = $1")

    /// $1 owner, $2 key.
    static let keyedUpload = PostgresPreparedStatement(
        "SELECT id, purpose, expected_size, blob_id FROM uploads WHERE owner_id = $1 AND idempotency_key = $2")

    /// $1 id, $2 owner, $3 purpose, $4 display name, $5 expected size, $6 blob lifetime, $7 key,
    /// $8 seconds the upload session lives. No row back: the owner already has an upload with this key.
    static let insertUpload = PostgresPreparedStatement(
        """
        INSERT INTO uploads (id, owner_id, purpose, display_name, expected_size, blob_lifetime_s, idempotency_key, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
        ON CONFLICT (owner_id, idempotency_key) DO NOTHING
        RETURNING id
        """)

    /// $1 the lock's name (`object:<sha256>`); held to the end of the transaction.
    static let lock = PostgresPreparedStatement("SELECT pg_advisory_xact_lock(hashtext($1))")

    /// storage_seal (SQL/functions/storage_seal.sql): the blob's row, or none when the quota refuses it.
    static let seal = PostgresPreparedStatement(
        """
        SELECT \(BlobRecord.columns) FROM storage_seal($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, $12) AS blobs
        """)

    /// $1 file id: a file that is no derivative, with its owner's transformation secrets.
    static let transformSource = PostgresPreparedStatement(
        """
        SELECT \(BlobRecord.columns),
            (SELECT string_agg(k.secret, ' ') FROM transform_keys k WHERE k.owner_id = blobs.owner_id) AS secrets
        FROM blobs WHERE id = $1 AND NOT \(BlobRecord.isDerivative)
        """)

    /// $1 file id, $2 canonical transformation.
    static let derivative = PostgresPreparedStatement(
        """
        SELECT \(BlobRecord.columns) FROM blobs
        WHERE id = (SELECT blob_id FROM derivatives WHERE source_id = $1 AND transform = $2)
        """)
}

-- +goose Up
-- The jurisdiction tree (GB/T 2260 codes) and API tokens.
CREATE TABLE jurisdictions (
    code   VARCHAR(6)   PRIMARY KEY,
    name   VARCHAR(100) NOT NULL,
    level  VARCHAR(16)  NOT NULL,
    parent VARCHAR(6)   REFERENCES jurisdictions(code)
);

-- The ten jurisdictions of RULES.md; bureaus add their own counties as rows.
INSERT INTO jurisdictions (code, name, level, parent) VALUES
    ('100000', '全国', 'national', NULL),
    ('230000', '黑龙江省', 'province', '100000'),
    ('140000', '山西省', 'province', '100000'),
    ('140900', '忻州市', 'city', '140000'),
    ('140930', '河曲县', 'county', '140900'),
    ('350000', '福建省', 'province', '100000'),
    ('350500', '泉州市', 'city', '350000'),
    ('350505', '泉港区', 'district', '350500'),
    ('440000', '广东省', 'province', '100000'),
    ('440500', '汕头市', 'city', '440000');

-- Tokens are stored as the SHA-256 of the secret; the secret is shown once.
-- Scopes are comma-separated lists: jurisdiction subtree roots, decision names or *.
CREATE TABLE api_tokens (
    id            VARCHAR(36)  PRIMARY KEY,
    name          VARCHAR(100) NOT NULL UNIQUE,
    hash          CHAR(64)     NOT NULL UNIQUE,
    jurisdictions TEXT         NOT NULL,
    decisions     TEXT         NOT NULL,
    created_at    TIMESTAMP    NOT NULL,
    expires_at    TIMESTAMP,
    revoked_at    TIMESTAMP
);

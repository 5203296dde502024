-- Webhook subscriptions, their delivery log, and the position of the case
-- activity tailer. Times are UTC text in sqldb.TimeLayout.
CREATE TABLE webhook_subscription (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	url VARCHAR(500) NOT NULL UNIQUE,
	events VARCHAR(255) NOT NULL,
	secret VARCHAR(200) NOT NULL,
	source VARCHAR(16) NOT NULL DEFAULT 'api',
	active INTEGER NOT NULL DEFAULT 1,
	disabled_reason VARCHAR(500) NOT NULL DEFAULT '',
	disabled_at TEXT NULL,
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

CREATE TABLE webhook_delivery (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	subscription_id INTEGER NOT NULL,
	event_id VARCHAR(64) NOT NULL,
	event_type VARCHAR(32) NOT NULL,
	attempt INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	delivered INTEGER NOT NULL DEFAULT 0,
	error VARCHAR(500) NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);

CREATE INDEX webhook_delivery_subscription ON webhook_delivery (subscription_id, id);

CREATE INDEX webhook_delivery_event ON webhook_delivery (event_id);

CREATE TABLE webhook_cursor (
	name VARCHAR(64) PRIMARY KEY,
	position INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);

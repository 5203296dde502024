-- Webhook subscriptions, their delivery log, and the position of the case
-- activity tailer. Re-runnable: MySQL commits around DDL.
CREATE TABLE IF NOT EXISTS webhook_subscription (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	url VARCHAR(500) NOT NULL,
	events VARCHAR(255) NOT NULL,
	secret VARCHAR(200) NOT NULL,
	source VARCHAR(16) NOT NULL DEFAULT 'api',
	active TINYINT NOT NULL DEFAULT 1,
	disabled_reason VARCHAR(500) NOT NULL DEFAULT '',
	disabled_at DATETIME(6) NULL,
	consecutive_failures INT NOT NULL DEFAULT 0,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	UNIQUE KEY webhook_subscription_url (url)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_delivery (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	subscription_id BIGINT NOT NULL,
	event_id VARCHAR(64) NOT NULL,
	event_type VARCHAR(32) NOT NULL,
	attempt INT NOT NULL,
	status_code INT NOT NULL DEFAULT 0,
	delivered TINYINT NOT NULL DEFAULT 0,
	error VARCHAR(500) NOT NULL DEFAULT '',
	duration_ms BIGINT NOT NULL DEFAULT 0,
	created_at DATETIME(6) NOT NULL,
	KEY webhook_delivery_subscription (subscription_id, id),
	KEY webhook_delivery_event (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS webhook_cursor (
	name VARCHAR(64) NOT NULL PRIMARY KEY,
	position BIGINT NOT NULL,
	updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

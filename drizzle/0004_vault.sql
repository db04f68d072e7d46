CREATE TABLE "org_key_settings" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"provider_kind" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sealed_credentials" "bytea",
	"credentials_key_version" integer,
	"config_version" integer DEFAULT 1 NOT NULL,
	"tested_at" timestamp with time zone,
	"test_ok" boolean,
	"tested_config_version" integer,
	"test_failure" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vault_rewrap_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"target_version" integer NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"cursor" uuid,
	"processed" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vault_secrets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"type" text NOT NULL,
	"label" text NOT NULL,
	"last_four" text,
	"blob" "bytea",
	"key_provider" text NOT NULL,
	"key_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"destroyed_at" timestamp with time zone,
	"purge_after" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "vault_service_keys" (
	"version" integer PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"wrapped_key" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "vault_service_keys_state_check" CHECK ("vault_service_keys"."state" IN ('active','retiring','retired'))
);
--> statement-breakpoint
ALTER TABLE "org_key_settings" ADD CONSTRAINT "org_key_settings_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vault_secrets" ADD CONSTRAINT "vault_secrets_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "vault_rewrap_runs_status_idx" ON "vault_rewrap_runs" USING btree ("status","target_version");--> statement-breakpoint
CREATE INDEX "vault_secrets_org_idx" ON "vault_secrets" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "vault_secrets_key_version_idx" ON "vault_secrets" USING btree ("key_version") WHERE "vault_secrets"."blob" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "vault_secrets_expires_idx" ON "vault_secrets" USING btree ("expires_at") WHERE "vault_secrets"."destroyed_at" IS NULL;--> statement-breakpoint
CREATE INDEX "vault_secrets_purge_idx" ON "vault_secrets" USING btree ("purge_after") WHERE "vault_secrets"."purge_after" IS NOT NULL;
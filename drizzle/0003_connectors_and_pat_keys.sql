CREATE TABLE "connector_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"connector_id" uuid NOT NULL,
	"name" text NOT NULL,
	"title" text,
	"description" text DEFAULT '' NOT NULL,
	"input_schema" jsonb DEFAULT '{"type":"object"}'::jsonb NOT NULL,
	"output_schema" jsonb,
	"destructive" boolean DEFAULT false NOT NULL,
	"read_only" boolean DEFAULT false NOT NULL,
	"exposed" boolean DEFAULT true NOT NULL,
	"pinned_hash" text,
	"pending_hash" text,
	"pending_definition" jsonb,
	"binding" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"type" text NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_id" uuid,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_tested_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connectors_status_check" CHECK ("connectors"."status" IN ('PENDING','ACTIVE','OFFLINE','KILLED'))
);
--> statement-breakpoint
CREATE TABLE "pat_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"label" text NOT NULL,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"secret_id" uuid,
	"models" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"max_tokens" integer,
	"monthly_cap_micros" bigint,
	"alert_threshold_pct" integer DEFAULT 80 NOT NULL,
	"replaces_id" uuid,
	"overlap_until" timestamp with time zone,
	"last_four" text,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pat_keys_status_check" CHECK ("pat_keys"."status" IN ('ACTIVE','ROTATED','REVOKED'))
);
--> statement-breakpoint
ALTER TABLE "connector_actions" ADD CONSTRAINT "connector_actions_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_actions" ADD CONSTRAINT "connector_actions_connector_id_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pat_keys" ADD CONSTRAINT "pat_keys_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "connector_actions_connector_name_unique" ON "connector_actions" USING btree ("connector_id","name");--> statement-breakpoint
CREATE INDEX "connector_actions_org_idx" ON "connector_actions" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connectors_org_slug_unique" ON "connectors" USING btree ("org_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "pat_keys_org_label_unique" ON "pat_keys" USING btree ("org_id","label") WHERE "pat_keys"."status" <> 'REVOKED';--> statement-breakpoint
CREATE INDEX "pat_keys_org_idx" ON "pat_keys" USING btree ("org_id");
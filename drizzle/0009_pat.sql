CREATE TABLE "pat_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"endpoint" text NOT NULL,
	"principal_kind" text NOT NULL,
	"principal_id" uuid NOT NULL,
	"principal_label" text NOT NULL,
	"api_key_id" uuid NOT NULL,
	"pat_key_id" uuid,
	"pat_key_label" text,
	"model" text,
	"stream" boolean DEFAULT false NOT NULL,
	"client_ip" text,
	"status" integer NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"latency_ms" integer,
	"ttft_ms" integer,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cache_creation_tokens" integer DEFAULT 0 NOT NULL,
	"cache_read_tokens" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"reserved_micros" bigint DEFAULT 0 NOT NULL,
	"price_version" text,
	"upstream_request_id" text,
	"archive_status" text DEFAULT 'none' NOT NULL,
	"archive_key" text,
	"archive_sha256" text,
	"archive_error" text
);
--> statement-breakpoint
CREATE TABLE "pat_spend" (
	"org_id" uuid NOT NULL,
	"pat_key_id" uuid NOT NULL,
	"month" text NOT NULL,
	"reserved_micros" bigint DEFAULT 0 NOT NULL,
	"settled_micros" bigint DEFAULT 0 NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"alerted_at" timestamp with time zone,
	"cap_reached_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pat_spend_pk" PRIMARY KEY("pat_key_id","month"),
	CONSTRAINT "pat_spend_nonnegative" CHECK ("pat_spend"."reserved_micros" >= 0 AND "pat_spend"."settled_micros" >= 0)
);
--> statement-breakpoint
ALTER TABLE "pat_requests" ADD CONSTRAINT "pat_requests_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pat_spend" ADD CONSTRAINT "pat_spend_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pat_spend" ADD CONSTRAINT "pat_spend_pat_key_id_pat_keys_id_fk" FOREIGN KEY ("pat_key_id") REFERENCES "public"."pat_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pat_requests_org_created_idx" ON "pat_requests" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "pat_requests_org_key_created_idx" ON "pat_requests" USING btree ("org_id","pat_key_id","created_at");--> statement-breakpoint
CREATE INDEX "pat_spend_org_month_idx" ON "pat_spend" USING btree ("org_id","month");
CREATE TABLE "pat_spend_leases" (
	"org_id" uuid NOT NULL,
	"pat_key_id" uuid NOT NULL,
	"month" text NOT NULL,
	"instance_id" uuid NOT NULL,
	"amount_micros" bigint DEFAULT 0 NOT NULL,
	"renewed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pat_spend_leases_pk" PRIMARY KEY("pat_key_id","month","instance_id"),
	CONSTRAINT "pat_spend_leases_nonnegative" CHECK ("pat_spend_leases"."amount_micros" >= 0)
);
--> statement-breakpoint
ALTER TABLE "pat_spend_leases" ADD CONSTRAINT "pat_spend_leases_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pat_spend_leases" ADD CONSTRAINT "pat_spend_leases_pat_key_id_pat_keys_id_fk" FOREIGN KEY ("pat_key_id") REFERENCES "public"."pat_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pat_spend_leases_instance_idx" ON "pat_spend_leases" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "pat_spend_leases_org_idx" ON "pat_spend_leases" USING btree ("org_id");
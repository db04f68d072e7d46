// Every module that declares a guarded change kind, imported for its registerApprovalKind side
// effect, so an approval finds the kind's `apply` whichever route loaded first. Add one line per module.
import "../evidence/org";
import "../evidence/settings";
import "./api-key-revoke";
import "../connectors/guarded";
import "./redaction-disable";
import "../webhooks/endpoints";

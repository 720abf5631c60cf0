// Package policies owns capcheck's policy layer (docs/ARCHITECTURE.md, "Policies"): the
// built-in Rego rules (embedded from rego/*.rego), the OPA engine that runs
// them together with user policies over the evaluator's input document, rule
// metadata and the rule catalogue, enforcement levels, exceptions, the
// verdict, and the Rego unit test runner behind `capcheck verify`.
//
// # Query
//
// [New] compiles every module once and prepares the queries: one for the
// built-in packages, and one for each user package. They evaluate the
// `deny` and `warn` sets of every package under `data.capcheck` (built-in
// rules live in `data.capcheck.rules.capNNN`) and of the Conftest-style
// package `data.main`. Packages elsewhere are libraries: user policies may
// import them, but their deny and warn rules are not collected. The packages
// `data.capcheck.rules` and `data.capcheck.lib` (and below) are reserved for
// the built-ins. In a collected package, `deny` and `warn` must be set rules
// (`deny contains f if {...}`) and every element a finding object:
//
//	{"rule": "CAP001", "msg": "...", "target": "pool/h100-use1",
//	 "location": {"file": "capacity/plan.cue", "line": 14, "column": 3}}
//
// rule and msg are required strings; target and location are optional. A
// malformed finding is an error naming its package: evaluation fails closed
// rather than dropping it.
//
// # Sandbox
//
// Policies are compiled for Rego v1 with capabilities that leave out every
// built-in that reaches the network or the environment (http.send, net.*,
// opa.runtime, providers.aws.sign_req) and every non-deterministic one
// (time.now_ns, rand.intn, uuid.rfc4122, io.jwt.encode_sign…): a policy that
// needs today's date reads input.now, so the same input always gives the
// same findings. Calling a removed built-in is a compile error at its
// position. Built-in errors are strict. An evaluation has a time limit,
// and each query a memory bound (OPA has neither instruction nor size
// limits: the heap is sampled, see internal/heapwatch); a user package that
// reaches either is an error at its deny or warn rule, and the evaluation
// is abandoned.
//
// # Enforcement, exceptions, verdict
//
// A rule's enforcement (advisory, soft-mandatory, hard-mandatory) comes from
// its `# METADATA` custom.enforcement (default soft-mandatory for deny,
// advisory for warn), overridden per rule id by configuration. Exceptions
// are the plans' exceptions of the input document, matched on rule id and
// target (a glob where `*` matches any run of characters); an expired
// exception does not apply, and a hard-mandatory rule cannot be excepted. In
// a pull request (the document has a base), only exceptions present in the
// base tree apply, as written there: the change's own exceptions count only
// after merge. An override (a label checked outside the PR by the caller)
// clears soft-mandatory denies only. A finding blocks when it is a deny that
// is neither excepted nor overridden and whose enforcement is not advisory;
// the verdict is fail when any finding blocks, warn when any finding is not
// excepted, and pass otherwise.
//
// # Baseline
//
// In a pull request (the document has a base), the base document is judged
// by the same queries and each head finding is paired with the base's by
// rule and target (baseline.go): new, unchanged, better or worse, by the
// figures of its target the rule judges (headroom, GPUs short, N+k
// shortfall, cliff and order-by dates, unbacked GPUs, a reservation's GPUs
// and end), else by its message. An unchanged or better deny is existing:
// it blocks only with Options.Existing "block" (capcheck.yaml
// `enforcement.existing`). The base's findings the head no longer has are
// Result.Baseline.Fixed ("absent").
package policies

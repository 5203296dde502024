// Package caseapi writes a call's result back to an OpenCHS helpline as a
// case: it turns a Result into the case body the OpenCHS integration guide
// documents (Builder) and sends it over the guide's REST API (Client):
// POST {base}/helpline/api/cases with X-API-Key and an Idempotency-Key,
// GET /helpline/api/cases?external_ref= to find a case an earlier attempt
// may have created, and GET /helpline/api/health to check the key.
//
// The client makes one attempt per call and classifies its failure:
// Permanent errors (400, 401, 403, 404, 422, ...) carry the helpline's own
// message; the rest are transient and may carry the helpline's
// Retry-After. Retrying, backing off and recording the outcome belong to
// the delivery task that drives the client (package queue).
package caseapi

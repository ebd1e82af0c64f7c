package server

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/version"
)

// GET /v1/openapi.json describes the /v1 API for the systems that call it,
// built from what the server itself uses: the routes below (a test holds
// them to the router, both ways), the serving revision's catalogue (each
// decision's context and result schema) and input schema (the facts), and
// the error envelope of SPEC §6.

type param struct {
	name, in, desc string
	schema         map[string]any
	required       bool
}

// operation documents one route.
type operation struct {
	method, path, summary string
	params                []param
	body                  string         // a components schema name for the JSON body
	bodySchema            map[string]any // or an inline one
	ok                    int
	okSchema              string // a components schema name; "" with okType for other content
	okType                string // a content type other than JSON (CSV, NDJSON)
	errors                []int
}

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	date    = map[string]any{"type": "string", "format": "date"}
	anyObj  = map[string]any{"type": "object"}
)

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func pathParam(name, desc string) param {
	return param{name: name, in: "path", desc: desc, schema: str, required: true}
}
func query(name, desc string, schema map[string]any) param {
	return param{name: name, in: "query", desc: desc, schema: schema}
}

// v1Operations are the /v1 routes (and the unauthenticated ones beside them).
var v1Operations = []operation{
	{method: "GET", path: "/health", summary: "The process runs", ok: 200, okSchema: "Object"},
	{method: "GET", path: "/ready", summary: "200 only when a policy revision is compiled, the store answers and the decision log takes entries", ok: 200, okSchema: "Object", errors: []int{503}},
	{method: "GET", path: "/version", summary: "The build and the policy revision decisions are answered with", ok: 200, okSchema: "Version"},
	{method: "GET", path: "/metrics", summary: "Prometheus metrics", ok: 200, okType: "text/plain"},
	{method: "GET", path: BundlePath, summary: "The serving revision as an OPA bundle, for stock OPA agents (ETag is the revision)", ok: 200, okType: "application/gzip", errors: []int{401}},
	{method: "GET", path: "/v1/openapi.json", summary: "This document", ok: 200, okSchema: "Object", errors: []int{401}},
	{method: "GET", path: "/v1/decisions", summary: "The decision catalogue: each decision's rules, context schema and result schema", ok: 200, okSchema: "Object", errors: []int{401}},
	{method: "POST", path: "/v1/decisions/{name}", summary: "One decision (the concrete paths below give each decision's context and result)",
		params: []param{pathParam("name", "the decision"), query("explain", "add who decided, each reason's rule IDs and the facts read", map[string]any{"type": "string", "enum": []any{"true", "false"}})},
		body:   "DecisionRequest", ok: 200, okSchema: "DecisionResponse", errors: []int{400, 401, 403, 404, 413, 422, 429, 500, 503}},
	{method: "POST", path: "/v1/decisions/{name}/batch", summary: "Up to 1,000 decisions of one kind, answered in request order",
		params: []param{pathParam("name", "the decision")}, bodySchema: map[string]any{"type": "object", "required": []any{"items"},
			"properties": map[string]any{"items": map[string]any{"type": "array", "items": ref("DecisionRequest")}}},
		ok: 200, okSchema: "Object", errors: []int{400, 401, 403, 404, 413, 422, 429}},
	{method: "GET", path: "/v1/decision-log", summary: "Search logged decisions inside the token's jurisdictions, newest first",
		params: []param{query("enterprise", "a USCC", str), query("decision", "", str), query("jurisdiction", "", str), query("caller", "", str),
			query("outcome", "field:value, e.g. grade:B", str), query("from", "RFC 3339 or a date", str), query("to", "RFC 3339 or a date", str),
			query("limit", "at most 200", integer), query("before", "the next_before of the previous page", str)},
		ok: 200, okSchema: "LogPage", errors: []int{400, 401, 422}},
	{method: "GET", path: "/v1/decision-log/{id}", summary: "One logged decision", params: []param{pathParam("id", "the decision_id")},
		ok: 200, okSchema: "LogEntry", errors: []int{401, 404}},
	{method: "POST", path: "/v1/decision-log/{id}/replay", summary: "The logged input evaluated again under its revision and the current one",
		params: []param{pathParam("id", "the decision_id")}, ok: 200, okSchema: "Object", errors: []int{401, 404, 422}},
	{method: "GET", path: "/v1/jurisdictions", summary: "The jurisdiction tree", ok: 200, okSchema: "Object", errors: []int{401}},
	{method: "GET", path: "/v1/jurisdictions/{code}/policies", summary: "Which level decides each decision for a jurisdiction",
		params: []param{pathParam("code", "a six-digit jurisdiction code")}, ok: 200, okSchema: "Object", errors: []int{401, 404}},
	{method: "PUT", path: "/v1/enterprises/{uscc}", summary: "Store one enterprise's facts", params: []param{pathParam("uscc", "the unified social credit code")},
		body: "Facts", ok: 200, okSchema: "Object", errors: []int{400, 401, 403, 413, 422}},
	{method: "GET", path: "/v1/enterprises/{uscc}", summary: "One enterprise's stored facts", params: []param{pathParam("uscc", "the unified social credit code")},
		ok: 200, okSchema: "Facts", errors: []int{401, 404, 422}},
	{method: "POST", path: "/v1/enterprises/import", summary: "Import facts as NDJSON or CSV (Content-Type), with an Idempotency-Key",
		bodySchema: map[string]any{"type": "string"}, ok: 200, okSchema: "Object", errors: []int{400, 401, 403, 409, 413, 422}},
	{method: "POST", path: "/v1/sampling-plans", summary: "Draw a sampling plan (双随机), with an Idempotency-Key", body: "Object",
		ok: 201, okSchema: "Object", errors: []int{400, 401, 403, 409, 422}},
	{method: "GET", path: "/v1/sampling-plans/compliance", summary: "The annual compliance report of a jurisdiction's plans",
		params: []param{query("jurisdiction", "", str), query("year", "", integer)}, ok: 200, okSchema: "Object", errors: []int{401, 403, 422}},
	{method: "GET", path: "/v1/sampling-plans/{id}", summary: "A plan with a page of its items",
		params: []param{pathParam("id", "the plan"), query("offset", "", integer), query("limit", "", integer)}, ok: 200, okSchema: "Object", errors: []int{401, 404}},
	{method: "GET", path: "/v1/sampling-plans/{id}/items.csv", summary: "The plan's items for publication", params: []param{pathParam("id", "the plan")},
		ok: 200, okType: "text/csv", errors: []int{401, 404}},
	{method: "PATCH", path: "/v1/sampling-plans/{id}/items/{uscc}", summary: "Record an inspection's result",
		params: []param{pathParam("id", "the plan"), pathParam("uscc", "the enterprise")}, body: "Object", ok: 200, okSchema: "Object", errors: []int{400, 401, 404, 422}},
}

// openAPI builds the /v1 document for the serving revision.
func (s *server) openAPI(ps *engine.PolicySet) map[string]any {
	schemas := map[string]any{
		"Object": anyObj,
		"Error": map[string]any{"type": "object", "required": []any{"error"}, "properties": map[string]any{
			"error": map[string]any{"type": "object", "required": []any{"code", "message"}, "properties": map[string]any{
				"code": str, "message": str, "details": map[string]any{}, "request_id": str}}}},
		"Version": map[string]any{"type": "object", "required": []any{"version", "go", "opa", "policies"}, "properties": map[string]any{
			"version": str, "commit": str, "commit_time": str, "modified": map[string]any{"type": "boolean"}, "go": str, "opa": str,
			"policies": map[string]any{"type": "object", "properties": map[string]any{"revision": str, "number": integer}}}},
		"DecisionRequest": decisionRequestSchema(ref("Object")),
		"Reason": map[string]any{"type": "object", "required": []any{"code"}, "properties": map[string]any{
			"code": str, "message": str, "basis": map[string]any{}}},
		"DecisionResponse": decisionResponseSchema(ref("Object")),
		"LogEntry": map[string]any{"type": "object", "required": []any{"decision_id", "decision", "result", "reasons"}, "properties": map[string]any{
			"decision_id": str, "time": str, "caller": str, "decision": str, "jurisdiction": str, "source": str, "enterprise_id": str,
			"as_of": str, "revision": str, "request_id": str, "input": anyObj, "result": anyObj,
			"reasons": map[string]any{"type": "array", "items": ref("Reason")}, "latency_ns": integer}},
		"LogPage": map[string]any{"type": "object", "required": []any{"entries"}, "properties": map[string]any{
			"entries": map[string]any{"type": "array", "items": ref("LogEntry")}, "next_before": map[string]any{"type": []any{"string", "null"}}}},
		"Facts": factsSchema(ps),
	}
	paths := map[string]any{}
	for _, op := range v1Operations {
		addOperation(paths, op)
	}
	// Each decision as a path of its own: its context and its result.
	for _, def := range ps.Catalogue().All() {
		ctxSchema := map[string]any{"type": "object", "description": "this decision takes no context"}
		if def.Context != nil {
			if b, err := json.Marshal(def.Context); err == nil {
				json.Unmarshal(b, &ctxSchema)
			}
		}
		var result map[string]any
		if raw := ps.ResultSchema(def.Name); raw != nil {
			json.Unmarshal(raw, &result)
			delete(result, "$schema")
		} else {
			result = anyObj
		}
		name := strings.ReplaceAll(def.Name, "_", " ")
		schemas["Request_"+def.Name] = decisionRequestSchema(ctxSchema)
		schemas["Result_"+def.Name] = result
		schemas["Response_"+def.Name] = decisionResponseSchema(ref("Result_" + def.Name))
		addOperation(paths, operation{method: "POST", path: "/v1/decisions/" + def.Name, summary: def.Title + " (" + name + "): " + def.Description + readsText(factsReadBy(ps, def.Name)),
			params: []param{query("explain", "add who decided, each reason's rule IDs and the facts read", map[string]any{"type": "string", "enum": []any{"true", "false"}})},
			body:   "Request_" + def.Name, ok: 200, okSchema: "Response_" + def.Name, errors: []int{400, 401, 403, 404, 413, 422, 429, 500, 503}})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "credpol", "version": version.Read().Version,
			"description": "Policy decisions for enterprise credit supervision (企业信用监管). Policy revision " + ps.Revision() + "."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"token": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func decisionRequestSchema(context map[string]any) map[string]any {
	return map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"jurisdiction":  map[string]any{"type": "string", "description": "a six-digit code; the enterprise's own when omitted"},
		"enterprise_id": map[string]any{"type": "string", "description": "a stored enterprise's USCC"},
		"facts":         ref("Facts"),
		"context":       context,
		"as_of":         date,
		"revision":      map[string]any{"type": "integer", "description": "a numbered revision to decide under"},
	}}
}

func decisionResponseSchema(result map[string]any) map[string]any {
	return map[string]any{"type": "object", "required": []any{"decision_id", "decision", "jurisdiction", "as_of", "policy", "result", "reasons"},
		"properties": map[string]any{
			"decision_id":  str,
			"decision":     str,
			"jurisdiction": map[string]any{"type": "object", "properties": map[string]any{"code": str, "name": str, "chain": map[string]any{"type": "array"}}},
			"as_of":        date,
			"policy":       map[string]any{"type": "object", "properties": map[string]any{"revision": str, "number": integer, "source": str}},
			"result":       result,
			"reasons":      map[string]any{"type": "array", "items": ref("Reason")},
			"warnings":     map[string]any{"type": "array", "items": anyObj},
			"explanation":  anyObj,
		}}
}

// factsSchema is the enterprise part of the input schema the policies are
// checked against: the facts a request may give.
func factsSchema(ps *engine.PolicySet) map[string]any {
	raw, err := fs.ReadFile(engine.FilesFS(ps.Files()), "schemas/input.json")
	var doc struct {
		Properties struct {
			Enterprise map[string]any `json:"enterprise"`
		} `json:"properties"`
	}
	if err != nil || json.Unmarshal(raw, &doc) != nil || doc.Properties.Enterprise == nil {
		return anyObj
	}
	return doc.Properties.Enterprise
}

func addOperation(paths map[string]any, op operation) {
	item, _ := paths[op.path].(map[string]any)
	if item == nil {
		item = map[string]any{}
		paths[op.path] = item
	}
	o := map[string]any{"summary": op.summary, "operationId": operationID(op)}
	if strings.HasPrefix(op.path, "/v1/") || op.path == BundlePath {
		o["security"] = []any{map[string]any{"token": []any{}}}
	}
	var params []any
	for _, p := range op.params {
		params = append(params, map[string]any{"name": p.name, "in": p.in, "description": p.desc, "required": p.required, "schema": p.schema})
	}
	if params != nil {
		o["parameters"] = params
	}
	switch {
	case op.body != "":
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(op.body)}}}
	case op.bodySchema != nil:
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": op.bodySchema}}}
	}
	ok := map[string]any{"description": http.StatusText(op.ok)}
	switch {
	case op.okType != "":
		ok["content"] = map[string]any{op.okType: map[string]any{"schema": str}}
	case op.okSchema != "":
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(op.okSchema)}}
	}
	responses := map[string]any{itoa(op.ok): ok}
	for _, code := range op.errors {
		responses[itoa(code)] = map[string]any{"description": http.StatusText(code),
			"content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
	}
	o["responses"] = responses
	item[strings.ToLower(op.method)] = o
}

func operationID(op operation) string {
	r := strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_", "-", "_")
	return strings.ToLower(op.method) + r.Replace(op.path)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func (s *server) serveOpenAPI(c *gin.Context) {
	ps := s.Engine.Current()
	if ps == nil {
		fail(c, s.Logger, problem.New(problem.Unavailable, "policies_not_loaded", "no policy revision is loaded"))
		return
	}
	c.JSON(http.StatusOK, s.openAPI(ps))
}

// readsText says which facts a decision reads, for its operation's summary.
func readsText(byCode map[string][]string) string {
	codes := slices.Sorted(maps.Keys(byCode))
	parts := make([]string, 0, len(codes))
	for _, code := range codes {
		facts := strings.Join(byCode[code], ", ")
		switch {
		case facts == "":
			facts = "no enterprise facts"
		case facts == "*":
			facts = "any enterprise fact"
		}
		parts = append(parts, code+": "+facts)
	}
	return " Facts read, by the jurisdiction whose policy decides: " + strings.Join(parts, "; ") + "."
}

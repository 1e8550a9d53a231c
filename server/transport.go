package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Media types of the GraphQL-over-HTTP specification.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// transport speaks GraphQL over HTTP as the specification has it, in place
// of gqlgen's stock POST and GET transports: those echo a malformed request
// body back in the error, answer 200 to a body they could not read, and 406
// to a mutation over GET. Here the status codes are the specification's and
// every error carries a code.
type transport struct {
	maxBody     int64
	maxResponse int64
	// docs and persisted resolve a request to a document already parsed,
	// for a response-cache lookup before anything runs.
	docs      *docCache
	persisted *persistedQueries
}

var _ graphql.Transport = transport{}

func (transport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == ""
}

// rawRequest is a request's members before their types are checked: each
// must have the type the specification gives it.
type rawRequest struct {
	Query, OperationName, Variables, Extensions *json.RawMessage
}

// requestError is an error about the HTTP request itself, before GraphQL.
type requestError struct {
	status int
	code   string
	msg    string
}

func (t transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, err := negotiate(r.Header.Get("Accept"))
	if err != nil {
		writeRequestError(w, mediaJSON, err)
		return
	}
	var params *graphql.RawParams
	var rerr *requestError
	switch r.Method {
	case http.MethodPost:
		params, rerr = t.readPost(r)
	case http.MethodGet:
		params, rerr = readGet(r)
	default:
		w.Header().Set("Allow", "GET, POST")
		rerr = &requestError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET or POST"}
	}
	if rerr != nil {
		writeRequestError(w, media, rerr)
		return
	}
	if r.Method == http.MethodGet {
		if rerr := onlyQueries(params); rerr != nil {
			w.Header().Set("Allow", "POST")
			writeRequestError(w, media, rerr)
			return
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	ctx := r.Context()
	slot := slotFrom(ctx)
	if slot != nil {
		if doc, ok := t.knownDoc(params); ok && slot.lookup(media, doc, params.OperationName, params.Variables) {
			return // wrap serves the hit
		}
	}
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), firstErrors(errs))
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			// No execution happened: a request error, 400 under the
			// newer media type; 200 under application/json, as the
			// specification keeps it for older clients.
			status = http.StatusBadRequest
		}
		writeResponse(w, media, status, resp)
		return
	}
	// A text parsed for the first time may still say what a kept answer's
	// did (another layout, a comment).
	if doc, ok := opCtx.Stats.GetExtension(docHashStat).(docHash); ok && slot != nil && !slot.keyed {
		if slot.lookup(media, doc, params.OperationName, params.Variables) {
			return
		}
	}
	ctx, b := withBudget(ctx, t.maxResponse)
	defer b.cancel(nil)
	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handler(ctx)
	if b.over() {
		t.writeTooLarge(w, media, resp)
		return
	}
	if resp == nil {
		// gqlgen answers nothing once the request's context has ended
		writeRequestError(w, media, &requestError{http.StatusServiceUnavailable, "TIMEOUT", "the request took longer than its deadline"})
		return
	}
	body, status := encode(resp, http.StatusOK)
	if int64(len(body)) > t.maxResponse {
		// the tally leaves out quotes, escapes and punctuation: this is
		// the exact check, before a byte is sent
		t.writeTooLarge(w, media, resp)
		return
	}
	send(w, media, status, body)
}

// writeTooLarge answers a request whose answer passed the response budget:
// its one error, and none of its data. The status is that of the other
// limits (COMPLEXITY_LIMIT_EXCEEDED...): 400 under
// application/graphql-response+json, 200 under application/json.
func (t transport) writeTooLarge(w http.ResponseWriter, media string, resp *graphql.Response) {
	out := &graphql.Response{Errors: gqlerror.List{tooLargeError(t.maxResponse)}}
	if resp != nil {
		out.Extensions = resp.Extensions
	}
	status := http.StatusOK
	if media == mediaGraphQLResponse {
		status = http.StatusBadRequest
	}
	writeResponse(w, media, status, out)
}

// maxErrors is how many request errors an answer lists: a document can
// break one rule in many places, and the first few say what to fix.
const maxErrors = 20

func firstErrors(errs gqlerror.List) gqlerror.List {
	if len(errs) <= maxErrors {
		return errs
	}
	more := &gqlerror.Error{
		Message:    fmt.Sprintf("and %d more errors", len(errs)-maxErrors),
		Extensions: map[string]any{"code": errs[maxErrors].Extensions["code"]},
	}
	return append(errs[:maxErrors:maxErrors], more)
}

// knownDoc returns the hash of the request's document if it has been parsed
// before. A query sent with a persisted-query hash is not looked up: the
// hash must be checked first, and that is the extension's to do.
func (t transport) knownDoc(p *graphql.RawParams) (docHash, bool) {
	query := p.Query
	if p.Extensions["persistedQuery"] != nil {
		if query != "" {
			return docHash{}, false
		}
		var ok bool
		if query, ok = t.persisted.lookup(p.Extensions); !ok {
			return docHash{}, false
		}
	}
	return t.docs.hashOf(query)
}

// negotiate picks the response media type from Accept: the newer
// application/graphql-response+json when the client lists it, else
// application/json, which is also what a client that sends no Accept, or
// */*, gets (as the specification says older clients expect).
func negotiate(accept string) (string, *requestError) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, nil
	}
	json := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, nil
		case mediaJSON, "application/*", "*/*":
			json = true
		}
	}
	if json {
		return mediaJSON, nil
	}
	return "", &requestError{http.StatusNotAcceptable, "NOT_ACCEPTABLE", "responses are application/graphql-response+json or application/json"}
}

func (t transport) readPost(r *http.Request) (*graphql.RawParams, *requestError) {
	ct := r.Header.Get("Content-Type")
	mt, ps, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return nil, &requestError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "a POST body must be application/json"}
	}
	if cs, ok := ps["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, &requestError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "a POST body must be UTF-8"}
	}
	// A declared length over the limit was refused before (wrap); this
	// catches a chunked body that grows past it.
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, t.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge(t.maxBody)
		}
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "could not read the request body"}
	}
	// A map, not a struct: encoding/json matches struct fields ignoring
	// case, and "Query" or "eXtensions" are not members of a request.
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&members); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "the body must be a JSON object with a string `query`"}
		}
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "the body is not valid JSON"}
	}
	if dec.More() {
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "the body holds more than one JSON value"}
	}
	if members == nil {
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "the body must be a JSON object with a string `query`"}
	}
	member := func(k string) *json.RawMessage {
		if v, ok := members[k]; ok {
			return &v
		}
		return nil
	}
	return fromRaw(rawRequest{
		Query:         member("query"),
		OperationName: member("operationName"),
		Variables:     member("variables"),
		Extensions:    member("extensions"),
	})
}

func fromRaw(raw rawRequest) (*graphql.RawParams, *requestError) {
	bad := func(msg string) (*graphql.RawParams, *requestError) {
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", msg}
	}
	p := &graphql.RawParams{}
	hasQuery := raw.Query != nil && !isNull(*raw.Query)
	if hasQuery {
		if err := json.Unmarshal(*raw.Query, &p.Query); err != nil {
			return bad("`query` must be a string")
		}
	}
	if raw.OperationName != nil && !isNull(*raw.OperationName) {
		if err := json.Unmarshal(*raw.OperationName, &p.OperationName); err != nil {
			return bad("`operationName` must be a string")
		}
	}
	if raw.Variables != nil && !isNull(*raw.Variables) {
		if err := decodeObject(*raw.Variables, &p.Variables); err != nil {
			return bad("`variables` must be a JSON object")
		}
	}
	if raw.Extensions != nil && !isNull(*raw.Extensions) {
		if err := decodeObject(*raw.Extensions, &p.Extensions); err != nil {
			return bad("`extensions` must be a JSON object")
		}
	}
	// A persisted query may come as its hash alone.
	if _, persisted := p.Extensions["persistedQuery"]; !hasQuery && !persisted {
		return bad("the request has no `query`")
	}
	return p, nil
}

func isNull(m json.RawMessage) bool { return string(bytes.TrimSpace(m)) == "null" }

func decodeObject(m json.RawMessage, into *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(m))
	dec.UseNumber()
	return dec.Decode(into)
}

func readGet(r *http.Request) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &requestError{http.StatusBadRequest, "BAD_REQUEST", "the query string is malformed"}
	}
	raw := rawRequest{}
	set := func(dst **json.RawMessage, key string, asString bool) {
		if !q.Has(key) {
			return
		}
		v := q.Get(key)
		var m json.RawMessage
		if asString {
			m, _ = json.Marshal(v)
		} else {
			m = json.RawMessage(v)
		}
		*dst = &m
	}
	set(&raw.Query, "query", true)
	set(&raw.OperationName, "operationName", true)
	set(&raw.Variables, "variables", false)
	set(&raw.Extensions, "extensions", false)
	return fromRaw(raw)
}

// onlyQueries refuses a mutation or subscription over GET: GET must be safe.
func onlyQueries(p *graphql.RawParams) *requestError {
	doc, err := parser.ParseQuery(&ast.Source{Input: p.Query})
	if err != nil {
		return nil // the executor reports the syntax error
	}
	for _, op := range doc.Operations {
		if (p.OperationName == "" || op.Name == p.OperationName) && op.Operation != ast.Query {
			return &requestError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "only queries may be sent with GET; send a " + string(op.Operation) + " with POST"}
		}
	}
	return nil
}

func tooLarge(limit int64) *requestError {
	return &requestError{http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "the request body is larger than " + humanBytes(limit)}
}

func writeRequestError(w http.ResponseWriter, media string, e *requestError) {
	resp := &graphql.Response{Errors: gqlerror.List{{
		Message:    e.msg,
		Extensions: map[string]any{"code": e.code},
	}}}
	writeResponse(w, media, e.status, resp)
}

// requestErrors is a response to a request that did not execute: by the
// specification it has no `data` member at all.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	b, status := encode(resp, status)
	send(w, media, status, b)
}

// encode marshals a whole response before anything is sent, so a failure
// (or an answer over the budget) never leaves half an answer on the wire.
func encode(resp *graphql.Response, status int) ([]byte, int) {
	var body any = resp
	if resp.Data == nil && len(resp.Errors) > 0 {
		body = requestErrors{Errors: resp.Errors, Extensions: resp.Extensions}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`), http.StatusInternalServerError
	}
	return b, status
}

func send(w http.ResponseWriter, media string, status int, b []byte) {
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

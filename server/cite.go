package server

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/digidip/digidip/cite"
	"github.com/digidip/digidip/domain"
	"github.com/digidip/digidip/graph"
	"github.com/digidip/digidip/server/httpenc"
	"github.com/digidip/digidip/store"
)

// citeHandler serves GET /cite/{id}: a citation of a claim of the graph,
// for reference managers and annotation tools (package cite makes it).
//
//	/cite/c-bmf6pjx7rngwhxwr                          one quote of a relation (a claim id)
//	/cite/council-2023:7%23char=649,721               the same quote by its evidence id
//	/cite/council-of-the-eu/calls-on/high-representative  a relation with all its quotes
//
// A relation id, or a relation's cite id (Relation.citeId), cites the
// relation with every quote of it: one CSL-JSON item, BibTeX or RIS entry
// a quote, one Web Annotation with a target a quote. An evidence id that
// several relations quote answers 300 Multiple Choices naming each claim's
// cite id. The format is ?format= (cite.Formats' names) or else the
// Accept header's choice among their media types, plain text when any
// will do; ?format= naming no format is 400, an Accept none of them
// satisfies 406, both listing the formats. Answers carry an ETag per
// content coding and are revalidated (Cache-Control: no-cache), as
// GraphQL's GET answers are.
func citeHandler(st *store.Store, trusted []netip.Prefix, log *slog.Logger) http.HandlerFunc {
	var index cite.Index
	return func(w http.ResponseWriter, r *http.Request) {
		f, status, msg := citeFormat(r)
		if status != 0 {
			code := graph.CodeBadInput
			if status == http.StatusNotAcceptable {
				code = "NOT_ACCEPTABLE" // as GraphQL's transport names it
			}
			citeError(w, status, code, msg, nil)
			return
		}
		if id := r.PathValue("id"); len(id) > maxCiteID {
			citeError(w, http.StatusBadRequest, graph.CodeBadInput, "the id is "+strconv.Itoa(len(id))+" bytes, longer than any id, "+strconv.Itoa(maxCiteID), nil)
			return
		}
		g, gen := st.Current()
		w.Header().Set(GenerationHeader, gen)
		c, err := index.Resolve(r.Context(), g, r.PathValue("id"))
		var amb *cite.AmbiguousError
		switch {
		case errors.As(err, &amb):
			urls := make([]string, len(amb.Claims))
			for i, id := range amb.Claims {
				urls[i] = "/cite/" + id
			}
			citeError(w, http.StatusMultipleChoices, "AMBIGUOUS", err.Error(), map[string]any{"claims": urls})
			return
		case errors.Is(err, domain.ErrNotFound):
			citeError(w, http.StatusNotFound, graph.CodeNotFound, err.Error(), nil)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "server/cite.go: cite", "request_id", requestID(r.Context()), "id", r.PathValue("id"), "err", err)
			citeError(w, http.StatusInternalServerError, graph.CodeInternal, "internal error", nil)
			return
		}
		body, err := cite.Write(c, f, cite.Options{Base: origin(r, trusted)})
		if err != nil {
			log.ErrorContext(r.Context(), "server/cite.go: format", "request_id", requestID(r.Context()), "id", c.ID, "format", f, "err", err)
			citeError(w, http.StatusInternalServerError, graph.CodeInternal, "internal error", nil)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.MediaType())
		h.Set("X-Content-Type-Options", "nosniff")
		h.Add("Vary", "Accept")
		httpenc.Vary(h)
		coding := httpenc.Identity
		if len(body) >= httpenc.MinSize {
			// every citation format is text
			coding = httpenc.Negotiate(r.Header.Get("Accept-Encoding"))
		}
		etag := httpenc.ETag(etagOf(body), coding)
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		if httpenc.NoneMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if coding != httpenc.Identity {
			body = httpenc.Encode(body, coding, httpenc.Fast)
			h.Set("Content-Encoding", coding)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	}
}

// maxCiteID is the longest id /cite looks up: a relation id of three ids
// of export.MaxIDBytes, or an evidence id, is shorter.
const maxCiteID = 1024

// citeFormat is the format the request asks for: ?format=, or else the
// best of Accept's media ranges. A status other than 0 refuses it.
func citeFormat(r *http.Request) (cite.Format, int, string) {
	if name := r.URL.Query().Get("format"); name != "" {
		if f, ok := cite.ParseFormat(name); ok {
			return f, 0, ""
		}
		return "", http.StatusBadRequest, "unknown citation format " + strconv.Quote(name) + ": format is one of " + cite.FormatNames(", ")
	}
	if f, ok := acceptFormat(r.Header.Get("Accept")); ok {
		return f, 0, ""
	}
	return "", http.StatusNotAcceptable, "no citation format satisfies Accept; the formats are " + citeMediaTypes() +
		" (or ?format= " + cite.FormatNames(", ") + ")"
}

// preference breaks ties between formats an Accept header likes as
// much: a person's browser (*/*) gets plain text.
var preference = []cite.Format{cite.Text, cite.CSLJSON, cite.BibTeX, cite.RIS, cite.WebAnnotation}

// acceptFormat picks the format Accept gives the highest q-value (RFC 9110
// §12.5.1), the most specific range that matches a format setting its q;
// no header accepts anything. application/json is taken as CSL-JSON, and
// application/ld+json with no profile as the Web Annotation.
func acceptFormat(accept string) (cite.Format, bool) {
	if strings.TrimSpace(accept) == "" {
		return preference[0], true
	}
	best, bestQ := cite.Format(""), 0.0
	for _, f := range preference {
		mt, params, _ := mime.ParseMediaType(f.MediaType())
		q, spec := 0.0, -1
		for _, part := range strings.Split(accept, ",") {
			rt, rp, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			rq := 1.0
			if s, ok := rp["q"]; ok {
				if rq, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			major, _, _ := strings.Cut(mt, "/")
			s := -1
			switch {
			case rt == mt && (rp["profile"] == "" || rp["profile"] == params["profile"]):
				s = 2
			case f == cite.CSLJSON && rt == mediaJSON:
				s = 2
			case rt == major+"/*":
				s = 1
			case rt == "*/*":
				s = 0
			}
			if s > spec {
				q, spec = rq, s
			}
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	return best, bestQ > 0
}

func citeMediaTypes() string {
	s := make([]string, len(cite.Formats))
	for i, f := range cite.Formats {
		s[i] = f.MediaType()
	}
	return strings.Join(s, ", ")
}

// origin is the scheme and host the client asked, which a Web
// Annotation's ids are made from: a trusted proxy's X-Forwarded-Proto
// says whether it was https.
func origin(r *http.Request, trusted []netip.Prefix) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if peer, ok := peerAddr(r); ok && trustedProxy(peer, trusted) {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
	}
	return scheme + "://" + r.Host
}

// citeError answers in the API's error shape, never cached.
func citeError(w http.ResponseWriter, status int, code, msg string, ext map[string]any) {
	e := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
	for k, v := range ext {
		e.Extensions[k] = v
	}
	w.Header().Set("Cache-Control", "no-store")
	writeResponse(w, mediaJSON, status, &graphql.Response{Errors: gqlerror.List{e}})
}

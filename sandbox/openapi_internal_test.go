package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
)

// openAPIOps returns openapi.json's operations by "METHOD /path", each as
// its JSON object.
func openAPIOps(t *testing.T) map[string]map[string]json.RawMessage {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(openAPI, &doc))
	ops := map[string]map[string]json.RawMessage{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			default:
				continue // the path item's own fields (parameters, summary)
			}
			var op map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &op), "%s %s", method, path)
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// openapi.json describes every route the sandbox mounts, and nothing it
// does not. The mounted routes are read from the mux itself (routeMux
// records each pattern the vendors' files and the control table give it),
// so a route added without its description, or a description left behind
// by a route that went, fails here.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	described := openAPIOps(t)
	mounted := map[string]bool{}
	for _, p := range NewHandler().routePatterns() {
		method, path, ok := strings.Cut(p, " ")
		require.True(t, ok, "pattern %q names its method", p)
		// "/{$}" matches the path exactly; OpenAPI has no wildcard to say
		// otherwise.
		mounted[method+" "+strings.TrimSuffix(path, "{$}")] = true
	}
	require.NotEmpty(t, mounted)
	for r := range mounted {
		_, ok := described[r]
		assert.True(t, ok, "%s: mounted but not in sandbox/openapi.json", r)
	}
	for r := range described {
		assert.True(t, mounted[r], "%s: in sandbox/openapi.json but not mounted", r)
	}
	// The control index's routes are mounted through the same table, so
	// they are described too.
	for _, rt := range controlIndex().Routes {
		_, ok := described[rt.Method+" "+rt.Path]
		assert.True(t, ok, "%s %s: in the control index but not in sandbox/openapi.json", rt.Method, rt.Path)
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// openapi.json holds together: a 3.x document at the module's version,
// every operation named, summarised and answered, its path parameters
// declared both ways, every $ref resolved, and each endpoint faults apply
// to named in its operation's description.
func TestOpenAPIWellFormed(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Version string `json:"version"`
		} `json:"info"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openAPI, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."), doc.OpenAPI)
	assert.Equal(t, liveness.Version, doc.Info.Version, "info.version follows liveness.Version")

	ids := map[string]string{}
	faultsNamed := map[Endpoint]int{}
	for r, op := range openAPIOps(t) {
		var o struct {
			OperationID string                     `json:"operationId"`
			Summary     string                     `json:"summary"`
			Description string                     `json:"description"`
			Responses   map[string]json.RawMessage `json:"responses"`
			Parameters  []struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			} `json:"parameters"`
		}
		b, _ := json.Marshal(op)
		require.NoError(t, json.Unmarshal(b, &o), r)
		assert.NotEmpty(t, o.Summary, r)
		assert.NotEmpty(t, o.Responses, r)
		if assert.NotEmpty(t, o.OperationID, r) {
			assert.Empty(t, ids[o.OperationID], "%s: operationId %s also used by %s", r, o.OperationID, ids[o.OperationID])
			ids[o.OperationID] = r
		}
		_, path, _ := strings.Cut(r, " ")
		var inPath, declared []string
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			inPath = append(inPath, m[1])
		}
		for _, p := range o.Parameters {
			if p.In == "path" {
				assert.True(t, p.Required, "%s: path parameter %s is required", r, p.Name)
				declared = append(declared, p.Name)
			}
		}
		slices.Sort(inPath)
		slices.Sort(declared)
		assert.Equal(t, inPath, declared, "%s: path parameters", r)
		for _, e := range Endpoints() {
			if strings.Contains(o.Description, "`"+string(e)+"`") {
				faultsNamed[e]++
			}
		}
	}
	for _, e := range Endpoints() {
		assert.Equal(t, 1, faultsNamed[e], "fault endpoint %s is named in one operation's description", e)
	}

	refs := regexp.MustCompile(`"\$ref":\s*"([^"]*)"`).FindAllSubmatch(openAPI, -1)
	require.NotEmpty(t, refs)
	for _, m := range refs {
		name, ok := strings.CutPrefix(string(m[1]), "#/components/schemas/")
		if assert.True(t, ok, "a $ref into components.schemas: %s", m[1]) {
			assert.Contains(t, doc.Components.Schemas, name, "$ref %s resolves", m[1])
		}
	}
}

// The sandbox serves the committed file as it is, and its health routes
// say what they promise: readiness fails when the state stays locked and
// after Close, liveness does not.
func TestOpenAPIAndHealthServed(t *testing.T) {
	sb := NewHandler()
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	health := func(w *httptest.ResponseRecorder) Health {
		var h Health
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &h), w.Body.String())
		return h
	}

	w := get(OpenAPIPath)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, openAPI, w.Body.Bytes())
	assert.Equal(t, openAPI, OpenAPI())

	w = get(HealthPath)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, Health{Status: "ok"}, health(w))
	w = get(ReadyPath)
	assert.Equal(t, http.StatusOK, w.Code)
	zero := 0
	assert.Equal(t, Health{Status: "ready", Sessions: &zero}, health(w))

	t.Run("a sandbox whose state stays locked is not ready, and still alive", func(t *testing.T) {
		sb.mu.Lock()
		defer sb.mu.Unlock()
		w := get(ReadyPath)
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "busy", health(w).Status)
		assert.Equal(t, http.StatusOK, get(HealthPath).Code)
	})

	require.NoError(t, sb.Close())
	w = get(ReadyPath)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, "closed", health(w).Status)
	assert.Equal(t, http.StatusOK, get(HealthPath).Code)
}

package widget

import (
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestStaticRoutes(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		path, wantStatus, wantType string
		wantBody                   []string
	}{
		{"/widget.js", "200", "text/javascript; charset=utf-8", []string{"attachShadow", "textContent"}},
		{"/", "200", "text/html; charset=utf-8", []string{
			`<html lang="fr">`, `<script src="/widget.js" async data-lang="fr"></script>`,
			// The snippet shops copy, escaped as text, with this server's address.
			`&lt;script src=&#34;` + e.srv.URL + `/widget.js&#34; async&gt;&lt;/script&gt;`,
		}},
		{"/?lang=en", "200", "text/html; charset=utf-8", []string{`<html lang="en">`, `data-lang="en"`, "Install the widget"}},
		{"/widget/static/demo.css", "200", "text/css; charset=utf-8", []string{".card"}},
		{"/widget/static/", "404", "", nil},
		{"/nope", "404", "", nil},
	}
	for _, tt := range tests {
		resp, err := http.Get(e.srv.URL + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Status[:3]; got != tt.wantStatus {
			t.Errorf("GET %s: got status %s, want %s", tt.path, got, tt.wantStatus)
			continue
		}
		if got := resp.Header.Get("Content-Type"); tt.wantType != "" && got != tt.wantType {
			t.Errorf("GET %s: got Content-Type %q, want %q", tt.path, got, tt.wantType)
		}
		for _, want := range tt.wantBody {
			if !strings.Contains(string(body), want) {
				t.Errorf("GET %s: body does not contain %q", tt.path, want)
			}
		}
	}

	resp, err := http.Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("demo page CSP %q, want script-src 'self'", csp)
	}
}

// TestScriptRendersTextOnly guards against message content ever being parsed
// as markup: widget.js must not use any API that does so.
func TestScriptRendersTextOnly(t *testing.T) {
	js := string(script)
	forbidden := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|\beval\s*\(|new Function|setHTML`)
	if m := forbidden.FindAllString(js, -1); m != nil {
		t.Errorf("widget.js uses %v; build elements and set textContent instead", m)
	}
	if n := len(js); n > 32<<10 {
		t.Errorf("widget.js is %d bytes; keep it small", n)
	}
	// Every UI string exists in French and English.
	tables := regexp.MustCompile(`(?s)\n    (en|fr): \{(.*?)\n    \}`).FindAllStringSubmatch(js, -1)
	if len(tables) != 2 {
		t.Fatalf("widget.js: found %d string tables, want en and fr", len(tables))
	}
	keyRE := regexp.MustCompile(`(\w+): ['"]`)
	keys := func(table string) string {
		var ks []string
		for _, m := range keyRE.FindAllStringSubmatch(table, -1) {
			ks = append(ks, m[1])
		}
		slices.Sort(ks)
		return strings.Join(ks, " ")
	}
	if en, fr := keys(tables[0][2]), keys(tables[1][2]); en != fr || en == "" {
		t.Errorf("widget.js strings differ:\n en: %s\n fr: %s", en, fr)
	}
}

func TestScriptConditionalGet(t *testing.T) {
	e := newEnv(t, Options{})
	req, _ := http.NewRequest("GET", e.srv.URL+"/widget.js", nil)
	req.Header.Set("If-None-Match", scriptETag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET /widget.js with its ETag: got %d, want 304", resp.StatusCode)
	}
}

func TestDemoPageUsesShopNameAndPublicURL(t *testing.T) {
	e := newEnv(t, Options{ShopName: "Chez <Léa>", PublicURL: "https://chat.lea.example/"})
	resp, err := http.Get(e.srv.URL + "/?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"<title>Chez &lt;Léa&gt; — demo shop</title>",
		`&lt;script src=&#34;https://chat.lea.example/widget.js&#34; async&gt;&lt;/script&gt;`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("demo page lacks %s", want)
		}
	}
}

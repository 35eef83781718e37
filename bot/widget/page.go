package widget

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

//go:embed templates/demo.html
var templateFiles embed.FS

var (
	staticFS   = mustSub(staticFiles, "static")
	script     = mustRead(staticFS, "widget.js")
	scriptETag = etag(script)
	demoTmpl   = template.Must(template.ParseFS(templateFiles, "templates/demo.html"))
)

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

func mustRead(f fs.FS, name string) []byte {
	b, err := fs.ReadFile(f, name)
	if err != nil {
		panic(err)
	}
	return b
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// serveScript is GET /widget.js. Shops load it from their own pages, so it may
// be embedded cross-origin; it is cached briefly so that updates spread fast.
func (h *Handler) serveScript(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("ETag", scriptETag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	http.ServeContent(w, r, "widget.js", time.Time{}, bytes.NewReader(script))
}

// demoCSP allows the page's own stylesheet and script only. The widget styles
// its Shadow DOM with a constructed stylesheet ('unsafe-inline' covers older
// browsers that need a <style> element instead).
const demoCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveDemo is GET /: a small fake shop with the widget installed, and the
// snippet shops copy. French by default; ?lang=en for English.
func (h *Handler) serveDemo(w http.ResponseWriter, r *http.Request) {
	lang := "fr"
	if strings.HasPrefix(r.URL.Query().Get("lang"), "en") {
		lang = "en"
	}
	base := h.opts.PublicURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	t := demoTexts[lang]
	if h.opts.ShopName != "" {
		t.Shop, t.Title = h.opts.ShopName, h.opts.ShopName+t.TitleSuffix
	}
	data := demoData{
		Lang:    lang,
		T:       t,
		Snippet: `<script src="` + strings.TrimSuffix(base, "/") + `/widget.js" async></script>`,
	}
	var buf bytes.Buffer
	if err := demoTmpl.Execute(&buf, data); err != nil {
		h.logger.Error("render demo page", keyError, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", demoCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	w.Write(buf.Bytes())
}

type demoData struct {
	Lang    string
	T       demoText
	Snippet string
}

type product struct {
	Name, Desc, Price, Swatch string
}

type demoText struct {
	Title, TitleSuffix, Shop, Tagline, Banner, Products, Try, Install, InstallHelp, Options, Footer string
	OtherLang, OtherLangLabel, OtherLangHref                                                        string
	Questions                                                                                       []string
	Items                                                                                           []product
}

var demoTexts = map[string]demoText{
	"fr": {
		Title:          "L'Atelier du Thé — boutique de démonstration",
		TitleSuffix:    " — boutique de démonstration",
		Shop:           "L'Atelier du Thé",
		Tagline:        "Thés d'origine, choisis et conditionnés avec soin.",
		Banner:         "Boutique de démonstration : rien n'est à vendre. Ouvrez la bulle en bas à droite pour parler à l'assistant.",
		Products:       "Nos thés",
		Try:            "Essayez l'assistant",
		Questions:      []string{"Quels sont les délais de livraison ?", "Comment retourner un article ?", "Je voudrais parler à quelqu'un."},
		Install:        "Installer le widget sur votre boutique",
		InstallHelp:    "Collez cette ligne juste avant </body> sur chaque page :",
		Options:        "Options facultatives sur la balise : data-lang (fr ou en), data-title (titre du panneau), data-color (#rrggbb), data-position (right ou left). Déclarez aussi le domaine de votre boutique dans les origines autorisées de Relais.",
		Footer:         "Propulsé par Relais, logiciel libre de support client.",
		OtherLang:      "en",
		OtherLangLabel: "English",
		OtherLangHref:  "/?lang=en",
		Items: []product{
			{"Sencha de Shizuoka", "Thé vert japonais, notes herbacées et iodées.", "12,50 € · 100 g", "green"},
			{"Darjeeling First Flush", "Thé noir de printemps, floral et léger.", "16,90 € · 100 g", "amber"},
			{"Earl Grey bergamote", "Thé noir parfumé à la bergamote de Calabre.", "9,80 € · 100 g", "blue"},
			{"Théière en fonte", "0,8 L, filtre inox ; garde la chaleur longtemps.", "49,00 €", "iron"},
		},
	},
	"en": {
		Title:          "The Tea Workshop — demo shop",
		TitleSuffix:    " — demo shop",
		Shop:           "The Tea Workshop",
		Tagline:        "Single-origin teas, chosen and packed with care.",
		Banner:         "Demo shop: nothing is for sale. Open the chat bubble at the bottom right to talk to the assistant.",
		Products:       "Our teas",
		Try:            "Try the assistant",
		Questions:      []string{"How long does delivery take?", "How do I return an item?", "I'd like to talk to a person."},
		Install:        "Install the widget on your shop",
		InstallHelp:    "Paste this line just before </body> on every page:",
		Options:        "Optional attributes on the tag: data-lang (fr or en), data-title (panel title), data-color (#rrggbb), data-position (right or left). Also add your shop's domain to Relais's allowed origins.",
		Footer:         "Powered by Relais, open-source customer support.",
		OtherLang:      "fr",
		OtherLangLabel: "Français",
		OtherLangHref:  "/",
		Items: []product{
			{"Shizuoka Sencha", "Japanese green tea, grassy and marine notes.", "€12.50 · 100 g", "green"},
			{"Darjeeling First Flush", "Spring black tea, floral and light.", "€16.90 · 100 g", "amber"},
			{"Bergamot Earl Grey", "Black tea scented with Calabrian bergamot.", "€9.80 · 100 g", "blue"},
			{"Cast-iron teapot", "0.8 L, steel infuser; keeps tea hot for long.", "€49.00", "iron"},
		},
	},
}

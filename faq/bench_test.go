package faq

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/relaisbot/relais/bot"
)

// Synthetic catalogue questions for benchmarks: products × attributes ×
// models give realistic, overlapping entries ("What is the battery life of
// the Atlas headphones?").
var (
	benchProducts = [][2]string{
		{"jacket", "veste"}, {"sneakers", "baskets"}, {"lamp", "lampe"}, {"sofa", "canapé"},
		{"headphones", "casque"}, {"watch", "montre"}, {"backpack", "sac à dos"}, {"mug", "tasse"},
		{"blender", "mixeur"}, {"tent", "tente"}, {"kettle", "bouilloire"}, {"desk", "bureau"},
		{"mattress", "matelas"}, {"bike", "vélo"}, {"camera", "appareil photo"}, {"speaker", "enceinte"},
		{"jeans", "jean"}, {"dress", "robe"}, {"scarf", "écharpe"}, {"boots", "bottes"},
		{"pillow", "oreiller"}, {"curtains", "rideaux"}, {"rug", "tapis"}, {"chair", "chaise"},
		{"stroller", "poussette"}, {"drill", "perceuse"}, {"frying pan", "poêle"}, {"toaster", "grille-pain"},
		{"keyboard", "clavier"}, {"monitor", "écran"}, {"phone case", "coque"}, {"sunglasses", "lunettes de soleil"},
		{"perfume", "parfum"}, {"shampoo", "shampoing"}, {"vacuum cleaner", "aspirateur"}, {"coffee machine", "machine à café"},
		{"yoga mat", "tapis de yoga"}, {"suitcase", "valise"}, {"wallet", "portefeuille"}, {"bracelet", "bracelet"},
	}
	benchAttributes = [][2]string{
		{"size guide", "guide des tailles"}, {"care instructions", "conseils d'entretien"},
		{"warranty", "garantie"}, {"materials", "matières"}, {"battery life", "autonomie"},
		{"assembly", "montage"}, {"dimensions", "dimensions"}, {"compatibility", "compatibilité"},
		{"colours", "coloris"}, {"weight", "poids"}, {"spare parts", "pièces détachées"},
		{"user manual", "notice"}, {"origin", "provenance"}, {"cleaning", "nettoyage"},
		{"accessories", "accessoires"}, {"power consumption", "consommation"}, {"waterproofing", "étanchéité"},
		{"fit", "coupe"}, {"storage", "rangement"}, {"installation", "installation"},
	}
	benchModels = []string{"Nova", "Atlas", "Orion", "Luna", "Zephyr", "Echo", "Vega", "Iris",
		"Sora", "Kappa", "Milo", "Rhea", "Tango", "Umbra", "Yuki", "Pixel"}
	benchTemplates = [2][]string{
		{"What is the %[2]s of the %[1]s?", "%[1]s %[2]s", "Where can I find the %[2]s for the %[1]s?",
			"Tell me about the %[2]s of the %[1]s", "Do you have the %[2]s of the %[1]s?",
			"I need the %[2]s for my %[1]s", "question about the %[1]s %[2]s", "%[2]s %[1]s please",
			"can you explain the %[2]s of this %[1]s", "is there any info on the %[1]s %[2]s"},
		{"Quel est le/la %[2]s du produit %[1]s ?", "%[1]s %[2]s", "Où trouver %[2]s pour %[1]s ?",
			"Parlez-moi de %[2]s de %[1]s", "Avez-vous %[2]s de %[1]s ?",
			"J'ai besoin de %[2]s pour mon %[1]s", "question sur %[1]s, %[2]s", "%[2]s %[1]s svp",
			"pouvez-vous expliquer %[2]s de ce %[1]s", "des infos sur %[1]s %[2]s ?"},
	}
)

// syntheticEntries returns n entry ids in both languages: the seed FAQ plus
// catalogue questions, 10 phrasings each.
func syntheticEntries(tb testing.TB, n int) []Entry {
	tb.Helper()
	entries, err := Seed()
	if err != nil {
		tb.Fatal(err)
	}
	ids := len(entries) / 2
	for i := 0; ids < n; i++ {
		p := benchProducts[i%len(benchProducts)]
		a := benchAttributes[i/len(benchProducts)%len(benchAttributes)]
		m := benchModels[i/(len(benchProducts)*len(benchAttributes))%len(benchModels)]
		id := fmt.Sprintf("catalogue.item-%d", i)
		for _, lang := range bot.Langs {
			product := m + " " + p[langIndex(lang)]
			e := Entry{ID: id, Lang: lang, Topic: "catalogue", Title: product + ": " + a[langIndex(lang)],
				Answer: "See the product page of the " + product + "."}
			for _, tpl := range benchTemplates[langIndex(lang)] {
				e.Questions = append(e.Questions, fmt.Sprintf(tpl, product, a[langIndex(lang)]))
			}
			entries = append(entries, e)
		}
		ids++
	}
	return entries
}

// benchQueries mixes FAQ questions, catalogue questions and off-topic text.
var benchQueries = []string{
	"where is my order?", "Où est ma commande ?", "I want to cancel my order please",
	"je n'ai pas reçu mon colis", "how long does a refund take", "can I pay with paypal",
	"what is the battery life of the Atlas headphones", "guide des tailles veste Nova",
	"my parcel arrived damaged and the box was crushed", "comment changer mon mot de passe",
	"what's the weather like tomorrow", "raconte-moi une blague", "hi", "merci beaucoup",
	"I need to exchange my sneakers for a bigger size", "do you deliver to Switzerland?",
	"i cant remember my acount pasword", "frais de port pour la Belgique ?",
}

func BenchmarkAnswer(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			store := &fakeStore{}
			store.SeedFAQ(context.Background(), syntheticEntries(b, n))
			svc := newBenchService(b, store)
			ctx := context.Background()
			durations := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				start := time.Now()
				if _, err := svc.Answer(ctx, bot.Query{Text: benchQueries[i%len(benchQueries)]}); err != nil {
					b.Fatal(err)
				}
				durations = append(durations, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(durations)
			b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

func BenchmarkNewIndex(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} { // 0: the seed FAQ alone
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			entries := syntheticEntries(b, n)
			b.ReportAllocs()
			for b.Loop() {
				NewIndex(entries)
			}
		})
	}
}

func newBenchService(b *testing.B, store *fakeStore) *Service {
	b.Helper()
	svc := NewService(store, DefaultFacts(), DefaultOptions(), discardLogger())
	if err := svc.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	return svc
}

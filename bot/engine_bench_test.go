package bot_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/relaisbot/relais/bot"
)

// BenchmarkExchange is one customer message stored, answered and published
// through the real Engine, handoff policy and SQLite store (the FAQ is
// scripted), by 64 concurrent senders over 1,000 customers, so that commits
// are grouped as under load. The conversations grow to 30+ messages, as in
// the load test. Allocation figures (B/op, allocs/op) are the steady ones;
// ns/op depends on the disk.
//
//	go test ./bot -run '^$' -bench Exchange -benchmem -cpu 1 -count 5
func BenchmarkExchange(b *testing.B) {
	f := newFixture(b, bot.Config{})
	ctx := context.Background()
	texts := []string{"where is my parcel", "when will I be refunded", "où est mon colis"}
	var seq atomic.Int64
	b.SetParallelism(64)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			_, err := f.engine.Receive(ctx, bot.Inbound{
				Channel: bot.ChannelWidget, CustomerKey: "customer-" + strconv.FormatInt(n%1000, 10),
				Text: texts[n%3], ExternalID: "bench-" + strconv.FormatInt(n, 10),
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

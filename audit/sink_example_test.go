package audit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/ragguard/ragguard/audit"
)

func ExampleSlogSink() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		// Drop the time so the output is stable.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	sink := audit.NewSlogSink(logger)
	rec := audit.Record{Origin: "api-1", Seq: 1, Type: audit.TypeEvent, Data: []byte(`{"id":"e1"}`)}
	sink.Write(context.Background(), []audit.Record{rec})
	sink.Write(context.Background(), []audit.Record{rec}) // a redelivery is not logged twice
	// Output:
	// {"level":"INFO","msg":"audit record","origin":"api-1","seq":1,"type":"event","data":"{\"id\":\"e1\"}"}
}

func ExampleMulti() {
	dir, _ := os.MkdirTemp("", "audit")
	defer os.RemoveAll(dir)
	file, _ := audit.NewFileSink(dir)
	down := audit.SinkFunc(func(context.Context, []audit.Record) error { return fmt.Errorf("collector unreachable") })

	// The file must store every record; the collector may be down.
	sink, err := audit.Multi(1, 2*time.Second, file, down)
	if err != nil {
		panic(err)
	}
	defer sink.Close()
	err = sink.Write(context.Background(), []audit.Record{
		{Origin: "api-1", Seq: 0, Type: audit.TypeStreamKey, Data: []byte(`{"key":"k1"}`)},
	})
	fmt.Println("1 of 2 required:", err)

	strict, _ := audit.Multi(2, 2*time.Second, file, down)
	err = strict.Write(context.Background(), []audit.Record{
		{Origin: "api-1", Seq: 1, Type: audit.TypeEvent, Data: []byte(`{"id":"e1"}`)},
	})
	fmt.Println("2 of 2 required:", err)
	// Output:
	// 1 of 2 required: <nil>
	// 2 of 2 required: audit: 1 of 2 sinks stored the records, 2 required; sink 1: collector unreachable
}

func ExampleVerifyWebhook() {
	secret := []byte("a shared secret of 32 bytes.....")

	// The receiver: verify, then store idempotently on (origin, seq).
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recs, err := audit.VerifyWebhook(r, secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		for _, rec := range recs {
			fmt.Printf("received %s %d %s\n", rec.Origin, rec.Seq, rec.Data)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	sink, err := audit.NewWebhookSink(receiver.URL, secret)
	if err != nil {
		panic(err)
	}
	err = sink.Write(context.Background(), []audit.Record{
		{Origin: "api-1", Seq: 1, Type: audit.TypeEvent, Data: []byte(`{"id":"e1"}`)},
		{Origin: "api-1", Seq: 2, Type: audit.TypeEvent, Data: []byte(`{"id":"e2"}`)},
	})
	fmt.Println("write:", err)

	// A request with a forged body is refused.
	req, _ := http.NewRequest(http.MethodPost, receiver.URL, nil)
	req.Header.Set(audit.WebhookTimestampHeader, fmt.Sprint(time.Now().Unix()))
	req.Header.Set(audit.WebhookSignatureHeader, "v1=00")
	resp, _ := http.DefaultClient.Do(req)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println("forged:", resp.StatusCode)
	// Output:
	// received api-1 1 {"id":"e1"}
	// received api-1 2 {"id":"e2"}
	// write: <nil>
	// forged: 401
}

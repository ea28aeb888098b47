package openaiserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// errStreamEnded means the client went away or the server closed while a
// stream was being written; the handler just returns.
var errStreamEnded = errors.New("openaiserver: stream ended")

// sse writes one server-sent-event stream with the server's pacing: a delay
// between events and an optional stall after a number of events.
type sse struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	ctx   context.Context
	done  <-chan struct{}
	delay time.Duration
	stall int
	sent  int
}

func (s *Server) startSSE(w http.ResponseWriter, r *http.Request) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// Headers go out now so the client's request returns even if the
	// stream stalls before its first event.
	_ = rc.Flush()
	return &sse{
		w: w, rc: rc, ctx: r.Context(), done: s.done,
		delay: s.cfg.chunkDelay, stall: s.cfg.stallAfter,
	}
}

// data sends v as one "data: {json}" event.
func (e *sse) data(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.raw(b)
}

// finish sends the terminating "data: [DONE]" event.
func (e *sse) finish() error { return e.raw([]byte("[DONE]")) }

func (e *sse) raw(payload []byte) error {
	if e.stall >= 0 && e.sent >= e.stall {
		e.wait(nil)
		return errStreamEnded
	}
	if e.sent > 0 && e.delay > 0 {
		t := time.NewTimer(e.delay)
		defer t.Stop()
		if !e.wait(t.C) {
			return errStreamEnded
		}
	}
	buf := make([]byte, 0, len(payload)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, payload...)
	buf = append(buf, "\n\n"...)
	if _, err := e.w.Write(buf); err != nil {
		return errStreamEnded
	}
	if err := e.rc.Flush(); err != nil {
		return errStreamEnded
	}
	e.sent++
	return nil
}

// wait blocks until tick fires (true), the client goes away (false), or the
// server closes. A closing server cuts the connection without ending the
// chunked body, so the client sees the stream break as it would when a real
// endpoint goes down, not a clean end of stream.
func (e *sse) wait(tick <-chan time.Time) bool {
	select {
	case <-tick:
		return true
	case <-e.ctx.Done():
		return false
	case <-e.done:
		panic(http.ErrAbortHandler)
	}
}

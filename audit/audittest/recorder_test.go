package audittest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
)

func TestRecorderConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		r := audittest.NewRecorder()
		return r, r.Records
	})
}

func TestRecorderFailsAndHangs(t *testing.T) {
	r := audittest.NewRecorder()
	recs := audittest.Stream("o", 0, 3)
	boom := errors.New("boom")
	r.FailWith(boom)
	require.ErrorIs(t, r.Write(t.Context(), recs), boom)
	r.FailWith(nil)

	r.Hang()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, r.Write(ctx, recs), context.DeadlineExceeded)
	_, ok := r.LastContext().Deadline()
	assert.True(t, ok, "the recorder keeps the ctx it saw")

	done := make(chan error, 1)
	go func() { done <- r.Write(context.Background(), recs) }()
	r.Release()
	require.NoError(t, <-done)
	assert.Equal(t, recs, r.Records())
	assert.Equal(t, 3, r.Writes())
	require.NoError(t, r.Close())
	assert.Equal(t, 1, r.Closes())
}

func TestStreamShapes(t *testing.T) {
	recs := audittest.Stream("o", 0, 40)
	assert.Equal(t, audit.TypeStreamKey, recs[0].Type)
	assert.Equal(t, audit.TypeCheckpoint, recs[10].Type)
	assert.Equal(t, audit.TypeGap, recs[17].Type)
	assert.Equal(t, audit.TypeEvent, recs[1].Type)
	assert.Len(t, audittest.Of(append(recs, audittest.Stream("p", 0, 2)...), "p"), 2)
	assert.NotEqual(t, audittest.Origin("x"), audittest.Origin("x"))
}

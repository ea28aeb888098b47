package audit

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"errors"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tamperLog is one closed stream of 10,000 events with a checkpoint every
// 100 events, built once for the tamper suite.
var tamperLog = sync.OnceValues(func() ([]Record, tamperKeys) {
	pub, priv, _ := ed25519GenerateKey()
	sink := &memSink{}
	l, err := NewLog(WithSigner("k1", priv), WithSink(sink), WithFailOpen(1<<20), WithCheckpoints(100, time.Hour), WithHeartbeat(-1))
	if err != nil {
		panic(err)
	}
	for i := range 10_000 {
		if rc, err := l.Append(context.Background(), testEvent(i), nil); err != nil || rc.Dropped {
			panic("append failed")
		}
	}
	if err := l.Close(); err != nil {
		panic(err)
	}
	return sink.records(), tamperKeys{pub: pub}
})

type tamperKeys struct{ pub crypto.PublicKey }

func verifyRecs(recs []Record, keys tamperKeys, opts ...VerifyOption) (*Result, error) {
	return Verify(context.Background(), Records(recs), append([]VerifyOption{WithTrustedKey("k1", keys.pub)}, opts...)...)
}

func TestVerifyUntouchedLog(t *testing.T) {
	recs, keys := tamperLog()
	var progress []Progress
	res, err := verifyRecs(recs, keys, WithProgress(2500, func(p Progress) { progress = append(progress, p) }))
	require.NoError(t, err)
	require.Len(t, res.Streams, 1)
	st := res.Streams[0]
	assert.EqualValues(t, 10_000, st.Events)
	assert.EqualValues(t, 101, st.Checkpoints) // 100 by count + the closing one
	assert.True(t, st.Closed)
	assert.EqualValues(t, len(recs), res.Records)
	assert.NotEmpty(t, progress)
	assert.EqualValues(t, len(recs), progress[len(progress)-1].Records)
}

// clone copies a verifier's state so that many tampered suffixes can be
// checked from one verified prefix.
func (v *verifier) clone() *verifier {
	c := &verifier{cfg: v.cfg, res: &Result{Records: v.res.Records, Events: v.res.Events}, streams: map[string]*streamState{}}
	for _, st := range v.order {
		s := *st
		r := *st.res
		s.res = &r
		s.kept = maps.Clone(st.kept)
		c.streams[r.Origin] = &s
		c.order = append(c.order, &s)
		c.res.Streams = append(c.res.Streams, &r)
	}
	return c
}

// runFrom feeds recs to v and finishes, returning the first failure.
func (v *verifier) runFrom(recs []Record) error {
	for _, r := range recs {
		if err := v.record(r); err != nil {
			return err
		}
	}
	return v.finish()
}

func newTestVerifier(keys tamperKeys) *verifier {
	return &verifier{cfg: verifyConfig{trusted: map[string]crypto.PublicKey{"k1": keys.pub}, every: 1 << 62}, res: &Result{}, streams: map[string]*streamState{}}
}

// Every single-byte change to chosen records is detected, and the error
// names the changed record or the checkpoint that covers it. All bytes of
// the stream key record, of the first, the last and two middle events, and
// of the first, a middle and the closing checkpoint are changed one by one,
// each bit-flipped two ways, each against a verifier state cloned at the
// record (so the suite takes seconds under -race, not hours); 600 further
// random (record, byte) pairs sample the rest of the 10,000-event log.
func TestTamperEveryByte(t *testing.T) {
	recs, keys := tamperLog()
	n := len(recs)
	firstCkpt := slices.IndexFunc(recs, func(r Record) bool { return r.Type == TypeCheckpoint })
	midCkpt := firstCkpt + (n/2/(firstCkpt+1))*(firstCkpt)
	for recs[midCkpt].Type != TypeCheckpoint {
		midCkpt++
	}
	lastEvent := n - 1
	for recs[lastEvent].Type != TypeEvent {
		lastEvent--
	}
	full := map[int]bool{0: true, 1: true, n / 2: true, lastEvent: true, firstCkpt: true, midCkpt: true, n - 1: true}
	for i := 5000; i < n; i += 5000 {
		full[i] = true // more events, at every offset from their checkpoint
		ck := i
		for recs[ck].Type != TypeCheckpoint {
			ck++
		}
		full[ck] = true
	}
	require.Equal(t, TypeCheckpoint, recs[n-1].Type)

	rng := mrand.New(mrand.NewPCG(1, 2))
	sampled := map[int][]int{}
	for range 600 {
		i := 1 + rng.IntN(n-1)
		sampled[i] = append(sampled[i], rng.IntN(len(recs[i].Data)))
	}

	base := newTestVerifier(keys)
	checked := 0
	for i := range recs {
		var positions []int
		if full[i] {
			positions = make([]int, len(recs[i].Data))
			for j := range positions {
				positions[j] = j
			}
		} else {
			positions = sampled[i]
		}
		nextCkpt := i
		for recs[nextCkpt].Type != TypeCheckpoint {
			nextCkpt++
		}
		for _, pos := range positions {
			for _, flip := range []byte{0x01, 0x80} {
				mut := slices.Clone(recs[i].Data)
				mut[pos] ^= flip
				tampered := recs[i]
				tampered.Data = mut
				v := base.clone()
				err := v.record(tampered)
				if err == nil {
					err = v.runFrom(recs[i+1:])
				}
				var ve *VerifyError
				require.ErrorAs(t, err, &ve, "record %d (%s) byte %d ^%#x not detected", i, recs[i].Type, pos, flip)
				assert.True(t, ve.Seq >= recs[i].Seq && ve.Seq <= recs[nextCkpt].Seq,
					"record %d byte %d: blamed seq %d, outside %d..%d (%s)", i, pos, ve.Seq, recs[i].Seq, recs[nextCkpt].Seq, ve.Reason)
				checked++
			}
		}
		require.NoError(t, base.record(recs[i]))
	}
	t.Logf("%d single-byte changes detected", checked)
}

func TestTamperStructural(t *testing.T) {
	recs, keys := tamperLog()
	n := len(recs)
	expectFail := func(t *testing.T, recs []Record, reason string) *VerifyError {
		t.Helper()
		_, err := verifyRecs(recs, keys)
		var ve *VerifyError
		require.ErrorAs(t, err, &ve)
		assert.ErrorIs(t, err, ErrVerify)
		if reason != "" {
			assert.Contains(t, ve.Reason, reason)
		}
		return ve
	}
	firstCkpt := slices.IndexFunc(recs, func(r Record) bool { return r.Type == TypeCheckpoint })

	t.Run("deleted event", func(t *testing.T) {
		mut := slices.Delete(slices.Clone(recs), 5000, 5001)
		ve := expectFail(t, mut, "missing")
		assert.Equal(t, recs[5000].Seq, ve.Seq)
	})
	t.Run("deleted event, later seqs renumbered", func(t *testing.T) {
		mut := slices.Delete(slices.Clone(recs), 5000, 5001)
		for i := 5000; i < len(mut); i++ {
			mut[i].Seq--
		}
		ve := expectFail(t, mut, "")
		assert.Equal(t, recs[5000].Seq, ve.Seq)
	})
	t.Run("swapped events", func(t *testing.T) {
		mut := slices.Clone(recs)
		mut[4000], mut[4001] = mut[4001], mut[4000]
		expectFail(t, mut, "")
	})
	t.Run("swapped event bodies, seqs kept", func(t *testing.T) {
		mut := slices.Clone(recs)
		mut[4000].Data, mut[4001].Data = mut[4001].Data, mut[4000].Data
		expectFail(t, mut, "origin and seq")
	})
	t.Run("swapped events, re-encoded with each other's seq", func(t *testing.T) {
		mut := slices.Clone(recs)
		a, _ := ParseEvent(mut[4000].Data)
		b, _ := ParseEvent(mut[4001].Data)
		a.Seq, b.Seq = b.Seq, a.Seq
		mut[4000].Data, mut[4001].Data = b.AppendCanonical(nil), a.AppendCanonical(nil)
		expectFail(t, mut, "does not match the recomputed tree")
	})
	t.Run("truncated tail", func(t *testing.T) {
		for _, cut := range []int{1, 2, 50, 101, 5000} {
			ve := expectFail(t, recs[:n-cut], "closing checkpoint")
			assert.Equal(t, recs[n-cut-1].Seq, ve.Seq)
		}
	})
	t.Run("checkpoint signed by another key", func(t *testing.T) {
		mut := slices.Clone(recs)
		text := noteText(mut[firstCkpt].Data)
		skey, _, err := note.GenerateKey(rand.Reader, recs[0].Origin) // same name, other key
		require.NoError(t, err)
		s, err := note.NewSigner(skey)
		require.NoError(t, err)
		mut[firstCkpt].Data, err = note.Sign(&note.Note{Text: text}, s)
		require.NoError(t, err)
		ve := expectFail(t, mut, "checkpoint")
		assert.Equal(t, recs[firstCkpt].Seq, ve.Seq)
	})
	t.Run("checkpoint with an extra signature", func(t *testing.T) {
		mut := slices.Clone(recs)
		skey, _, _ := note.GenerateKey(rand.Reader, "intruder")
		s, _ := note.NewSigner(skey)
		nv, err := ParseStreamKey(recs[0].Data)
		require.NoError(t, err)
		v, err := nv.Check(keys.pub)
		require.NoError(t, err)
		nn, err := note.Open(mut[firstCkpt].Data, note.VerifierList(v))
		require.NoError(t, err)
		mut[firstCkpt].Data, err = note.Sign(nn, s)
		require.NoError(t, err)
		expectFail(t, mut, "exactly")
	})
	t.Run("replayed older checkpoint", func(t *testing.T) {
		mut := slices.Clone(recs)
		// The closing checkpoint replaced by the first one, with the
		// record's seq rewritten to fit.
		mut[n-1].Data = recs[firstCkpt].Data
		ve := expectFail(t, mut, "replayed")
		assert.Equal(t, recs[n-1].Seq, ve.Seq)
		// An old checkpoint appended again after the closing one.
		extra := recs[firstCkpt]
		extra.Seq = recs[n-1].Seq + 1
		expectFail(t, append(slices.Clone(recs), extra), "after the closing checkpoint")
	})
	t.Run("stream key vouched for by another key", func(t *testing.T) {
		otherPub, _, _ := ed25519GenerateKey()
		_, err := verifyRecs(recs, tamperKeys{pub: otherPub})
		require.ErrorIs(t, err, ErrVerify)
		_, err = Verify(context.Background(), Records(recs), WithTrustedKey("k2", keys.pub))
		require.ErrorContains(t, err, "not trusted")
		_, err = Verify(context.Background(), Records(recs))
		require.ErrorContains(t, err, "WithTrustedKey")
	})
	t.Run("records of another stream mixed in", func(t *testing.T) {
		mut := slices.Clone(recs)
		mut[10].Origin = "other"
		expectFail(t, mut, "")
	})
	t.Run("reader error", func(t *testing.T) {
		it := func(yield func(Record, error) bool) {
			for _, r := range recs[:10] {
				if !yield(r, nil) {
					return
				}
			}
			yield(Record{}, errors.New("disk on fire"))
		}
		_, err := Verify(context.Background(), it, WithTrustedKey("k1", keys.pub))
		require.ErrorContains(t, err, "disk on fire")
	})
}

func TestVerifyCheckpointCadence(t *testing.T) {
	pub, priv := newKeyPair(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sink := &memSink{}
	l := newLog(t, priv, sink, WithClock(clock), WithCheckpoints(2, time.Hour))
	for i := range 6 {
		mu.Lock()
		now = now.Add(time.Duration(i) * time.Minute)
		mu.Unlock()
		_, err := l.Append(context.Background(), testEvent(i), nil)
		require.NoError(t, err)
	}
	require.NoError(t, l.Close())
	_, err := Verify(context.Background(), Records(sink.records()), WithTrustedKey("k1", pub), WithMaxCheckpointInterval(time.Hour))
	require.NoError(t, err)
	_, err = Verify(context.Background(), Records(sink.records()), WithTrustedKey("k1", pub), WithMaxCheckpointInterval(4*time.Minute))
	require.ErrorContains(t, err, "without a checkpoint")
}

// Records pruned by retention arrive as a *PrunedError with their hashes,
// followed by the kept stream key, checkpoint and gap records.
func TestVerifyPrunedRanges(t *testing.T) {
	recs, keys := tamperLog()
	prunedIter := func(recs []Record, last int, mutateKept func([]Record)) func(func(Record, error) bool) {
		p := PrunedRange{Origin: recs[0].Origin, First: 0, Last: recs[last].Seq}
		var kept []Record
		for _, r := range recs[:last+1] {
			p.Hashes = append(p.Hashes, PrunedHash{Seq: r.Seq, Type: r.Type, Hash: tlog.RecordHash(r.Data)})
			if r.Type != TypeEvent {
				kept = append(kept, r)
			}
		}
		if mutateKept != nil {
			mutateKept(kept)
		}
		return func(yield func(Record, error) bool) {
			if !yield(Record{}, &PrunedError{Range: p}) {
				return
			}
			for _, k := range kept {
				if !yield(k, nil) {
					return
				}
			}
			for _, r := range recs[last+1:] {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	res, err := Verify(context.Background(), prunedIter(recs, 5000, nil), WithTrustedKey("k1", keys.pub))
	require.NoError(t, err)
	assert.EqualValues(t, 5001, res.Streams[0].Pruned)
	assert.True(t, res.Streams[0].Closed)

	_, err = Verify(context.Background(), prunedIter(recs, 5000, func(k []Record) {
		k[1].Data = slices.Clone(k[1].Data)
		k[1].Data[3] ^= 1
	}), WithTrustedKey("k1", keys.pub))
	require.ErrorContains(t, err, "does not match its hash")

	_, err = Verify(context.Background(), prunedIter(recs, 5000, func(k []Record) { k[0] = k[1] }), WithTrustedKey("k1", keys.pub))
	require.ErrorIs(t, err, ErrVerify)
}

func TestProveAndVerifyProof(t *testing.T) {
	recs, keys := tamperLog()
	for _, i := range []int{1, 2, 777, len(recs) - 3} {
		ev, err := ParseEvent(recs[i].Data)
		require.NoError(t, err)
		p, err := Prove(Records(recs), ev.ID)
		require.NoError(t, err)
		js, err := json.Marshal(p)
		require.NoError(t, err)
		var back InclusionProof
		require.NoError(t, json.Unmarshal(js, &back))
		got, err := VerifyProof(&back, keys.pub)
		require.NoError(t, err)
		assert.Equal(t, ev.ID, got.ID)
		assert.Equal(t, string(recs[i].Data), back.Event)

		bad := back
		bad.Event = strings.Replace(bad.Event, `"outcome":"ok"`, `"outcome":"no"`, 1)
		_, err = VerifyProof(&bad, keys.pub)
		assert.ErrorIs(t, err, ErrVerify)
		bad = back
		bad.LeafIndex++
		_, err = VerifyProof(&bad, keys.pub)
		assert.ErrorIs(t, err, ErrVerify)
		if len(back.Hashes) > 0 {
			bad = back
			bad.Hashes = slices.Clone(back.Hashes)
			bad.Hashes[0][0] ^= 1
			_, err = VerifyProof(&bad, keys.pub)
			assert.ErrorIs(t, err, ErrVerify)
		}
		other, _, _ := ed25519GenerateKey()
		_, err = VerifyProof(&back, other)
		assert.ErrorIs(t, err, ErrVerify)
	}
	ev, _ := ParseEvent(recs[5].Data)
	ev.ID[15] ^= 1
	_, err := Prove(Records(recs), ev.ID)
	require.ErrorIs(t, err, ErrEventNotFound)
	// An event after the last checkpoint cannot be proven yet.
	ev, _ = ParseEvent(recs[len(recs)-3].Data)
	_, err = Prove(Records(recs[:len(recs)-2]), ev.ID)
	require.ErrorIs(t, err, ErrEventNotFound)
}

func TestVerifyEmptyInputFails(t *testing.T) {
	_, keys := tamperLog()
	_, err := verifyRecs(nil, keys)
	require.ErrorIs(t, err, ErrVerify)
}

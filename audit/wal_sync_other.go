//go:build !linux

package audit

import "os"

// datasync flushes f (a full fsync where fdatasync is not available).
func datasync(f *os.File) error { return f.Sync() }

// lockWALDir does not lock outside Linux: give each Log its own directory.
func lockWALDir(dir string) (*os.File, error) { return nil, nil }

package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// datasync flushes f's data and the metadata needed to read it back
// (fdatasync), the file size included.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// lockWALDir takes an exclusive lock on dir, so that a second Log cannot
// "recover" (and delete) the segments of a live one. The lock ends with the
// process or with the returned file's Close.
func lockWALDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("audit: wal directory %s is in use by another Log", dir)
		}
		return nil, fmt.Errorf("audit: lock wal directory: %w", err)
	}
	return f, nil
}

//go:build !unix

package testenv

import "os"

// Without flock, tests on PGlite are only as exclusive as their package's
// own scheduling makes them.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }

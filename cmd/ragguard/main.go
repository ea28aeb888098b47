// Command ragguard operates on what the ragguard SDK leaves behind: it
// verifies signed audit streams, exports and checks inclusion proofs, and
// shows an event next to its session record.
//
//	ragguard audit verify       --dir DIR | --pg URL [--origin O]  --trusted-key FILE [--json] [--max-heartbeat 10s]
//	ragguard audit prove        --dir DIR | --pg URL [--origin O]  --id EVENT_ID [--out proof.json]
//	ragguard audit verify-proof PROOF.json --trusted-key FILE [--json]
//	ragguard audit show         --dir DIR | --pg URL [--origin O]  --id EVENT_ID [--sessions DIR]
//
// Exit status: 0 on success, 1 when verification fails or what was asked
// for is not there, 2 on usage errors.
//
// A trusted key file holds one or more PEM "PUBLIC KEY" blocks (PKIX:
// Ed25519, ECDSA or RSA), the long-term keys that vouch for streams. Each
// block's key id is its "Key-Id" PEM header, or else the file's base name
// without extension, so that for a key the Log uses under WithSigner("ops-2026", …)
//
//	openssl pkey -in ops-2026.key -pubout -out ops-2026.pem
//
// gives a file that verifies its streams. One key id naming two different
// keys is refused.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	programName = "ragguard"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command runs with.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
}

// command is a node of the command tree: a group with subcommands, or a
// leaf that runs. New groups (approvals list|approve|deny) plug in here.
type command struct {
	name    string
	summary string
	sub     []*command
	run     func(e *env, path string, args []string) int
}

func commands() *command {
	return &command{name: programName, sub: []*command{
		{name: "audit", summary: "verify and inspect audit streams", sub: []*command{
			{name: "verify", summary: "verify streams: signatures, trees, checkpoints, continuity, cadence", run: runVerify},
			{name: "prove", summary: "export the inclusion proof of one event", run: runProve},
			{name: "verify-proof", summary: "check an inclusion proof file", run: runVerifyProof},
			{name: "show", summary: "show an event and its session record", run: runShow},
		}},
	}}
}

// run is the whole program, minus process exit: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr}
	cmd, path := commands(), programName
	for {
		if cmd.run != nil {
			return cmd.run(e, path, args)
		}
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			printGroupUsage(stderr, cmd, path)
			if len(args) == 0 {
				return exitUsage
			}
			return exitOK
		}
		i := slices.IndexFunc(cmd.sub, func(c *command) bool { return c.name == args[0] })
		if i < 0 {
			fmt.Fprintf(stderr, "%s: unknown command %q\n", path, args[0])
			printGroupUsage(stderr, cmd, path)
			return exitUsage
		}
		cmd, path, args = cmd.sub[i], path+" "+args[0], args[1:]
	}
}

func printGroupUsage(w io.Writer, c *command, path string) {
	fmt.Fprintf(w, "usage: %s <command> [flags]\n\ncommands:\n", path)
	for _, s := range c.sub {
		fmt.Fprintf(w, "  %-14s %s\n", s.name, s.summary)
	}
}

// newFlags returns a flag set that reports to e.stderr and never exits.
func newFlags(e *env, path, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: %s %s\n\nflags:\n", path, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments, and returns the positional ones. A usage error has been
// reported when ok is false; help (-h) returns ok false with code 0.
func parse(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageErr reports a usage error and returns exitUsage.
func usageErr(e *env, fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// fail reports a failure and returns exitFailed.
func fail(e *env, path string, err error) int {
	fmt.Fprintf(e.stderr, "%s: %v\n", path, err)
	return exitFailed
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-liveness/liveness"
)

// resultCallsField is the member of a session file (the output of
// liveness init --json) in which liveness result --session FILE counts the
// result calls spent on a session of a vendor that answers only so many
// (driver.ReadPolicy.Calls).
const resultCallsField = "result_calls"

// errBudgetSpent ends a read: the session's result calls are spent.
// It is not liveness.Retryable, so it ends Handler.Wait.
var errBudgetSpent = errors.New("result call budget spent")

// ledger counts the result calls spent on a session of a vendor that
// answers calls result calls per session in all, pending answers included
// (driver.ReadPolicy.Calls): liveness result spends at most that many, per
// run, and in all when the session file keeps the count. With a path it
// keeps the count in the session file, written before each call is sent
// (so that a run stopped during a call has counted it), and read again
// first (so that runs one after another, or side by side, add up).
type ledger struct {
	path   string          // "" when the session came from standard input or the argument: nothing is kept
	id     string          // the session's ID, to notice another session written over the file
	vendor liveness.Vendor // the session's vendor, for messages
	calls  int             // the result calls the vendor answers for a session in all
	n      int             // the calls counted
	made   int             // the calls this run counted
}

// spent reports whether the session's calls are used up.
func (l *ledger) spent() bool { return l.n >= l.calls }

// reserve counts one more call before it is sent, or returns
// errBudgetSpent when none is left.
func (l *ledger) reserve() error {
	if l.path == "" {
		if l.spent() {
			return errBudgetSpent
		}
		l.n++
		l.made++
		return nil
	}
	data, err := os.ReadFile(l.path)
	if err != nil {
		return err
	}
	s, n, err := parseSessionFile(data)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", l.path, err)
	case s.ID != l.id:
		return fmt.Errorf("%s: now holds another session; no call was made", l.path)
	}
	l.n = max(l.n, n)
	if l.spent() {
		return errBudgetSpent
	}
	if err := writeResultCalls(l.path, data, l.n+1); err != nil {
		return fmt.Errorf("counting the call in %s (no call was made): %w", l.path, err)
	}
	l.n++
	l.made++
	return nil
}

// release takes back a call reserved but never sent (the provider refused
// the input first).
func (l *ledger) release() {
	if l.n == 0 {
		return
	}
	l.n--
	l.made = max(l.made-1, 0)
	if l.path == "" {
		return
	}
	if data, err := os.ReadFile(l.path); err == nil {
		_ = writeResultCalls(l.path, data, l.n)
	}
}

// parseSessionFile reads a session and the result calls counted
// beside it (0 when absent).
func parseSessionFile(data []byte) (liveness.Session, int, error) {
	var s liveness.Session
	var count struct {
		Calls *json.RawMessage `json:"result_calls"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, 0, errors.New("not a session printed by liveness init --json")
	}
	if err := json.Unmarshal(data, &count); err != nil || count.Calls == nil {
		return s, 0, nil
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(*count.Calls)))
	if err != nil || n < 0 {
		return s, 0, fmt.Errorf("%q is not a count of calls", resultCallsField)
	}
	return s, n, nil
}

// writeResultCalls replaces the file at path, whose content is data (a
// JSON object), with the same members in the same order and
// resultCallsField set to n (added last when absent), indented as
// liveness init --json prints it. The file is replaced atomically and
// keeps its mode; a symbolic link's target is written.
func writeResultCalls(path string, data []byte, n int) error {
	out, err := setMember(data, resultCallsField, []byte(strconv.Itoa(n)))
	if err != nil {
		return err
	}
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(out); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// setMember returns the JSON object data with member name set to value,
// the other members kept as they are and in their order, indented by two
// spaces and ending in a newline.
func setMember(data []byte, name string, value json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	found := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if key == name {
			if found {
				continue // a repeated member: the one value written once
			}
			raw, found = value, true
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(raw)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not one JSON object")
	}
	if !found {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Command c2spcheck cross-checks govern's Python ledger code against Go's reference packages
// golang.org/x/mod/sumdb/note (C2SP signed-note) and golang.org/x/mod/sumdb/tlog (RFC 6962 /
// RFC 9162 Merkle trees). It is built and driven by tests/interop/test_go_interop.py.
//
// Usage: c2spcheck open|sign|genkey|tree|check < request.json > response.json
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type sig struct {
	Name string `json:"name"`
	Hash uint32 `json:"hash"`
}

type request struct {
	VKey    string   `json:"vkey"`
	SKey    string   `json:"skey"`
	Name    string   `json:"name"`
	Note    string   `json:"note"`
	Text    string   `json:"text"`
	Entries [][]byte `json:"entries"`
	// check: proofs made by Python, for tlog.CheckRecord and tlog.CheckTree.
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

type inclusion struct {
	Size  int64    `json:"size"`
	Root  []byte   `json:"root"`
	Index int64    `json:"index"`
	Leaf  []byte   `json:"leaf"`
	Proof [][]byte `json:"proof"`
}

type consistency struct {
	Old     int64    `json:"old"`
	New     int64    `json:"new"`
	OldRoot []byte   `json:"old_root"`
	NewRoot []byte   `json:"new_root"`
	Proof   [][]byte `json:"proof"`
}

func hash(b []byte) tlog.Hash {
	var h tlog.Hash
	if len(b) != tlog.HashSize {
		fail(fmt.Errorf("hash of %d bytes", len(b)))
	}
	copy(h[:], b)
	return h
}

func hashes(bs [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(bs))
	for i, b := range bs {
		out[i] = hash(b)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "c2spcheck:", err)
	os.Exit(2)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// open verifies a signed note with note.Open and, if its text is a C2SP checkpoint, parses the
// size and root with tlog.ParseTree (which reads the same lines after its own fixed first line).
func open(req request) map[string]any {
	v, err := note.NewVerifier(req.VKey)
	if err != nil {
		return map[string]any{"error": "verifier: " + err.Error()}
	}
	n, err := note.Open([]byte(req.Note), note.VerifierList(v))
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	sigs := []sig{}
	for _, s := range n.Sigs {
		sigs = append(sigs, sig{s.Name, s.Hash})
	}
	out := map[string]any{"error": "", "text": n.Text, "sigs": sigs}
	origin, rest, _ := strings.Cut(n.Text, "\n")
	tree, err := tlog.ParseTree([]byte("go.sum database tree\n" + rest))
	out["origin"] = origin
	out["tree_error"] = errString(err)
	out["size"] = tree.N
	out["root"] = tree.Hash[:]
	return out
}

func sign(req request) map[string]any {
	s, err := note.NewSigner(req.SKey)
	if err != nil {
		return map[string]any{"error": "signer: " + err.Error()}
	}
	msg, err := note.Sign(&note.Note{Text: req.Text}, s)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	return map[string]any{"error": "", "note": string(msg), "hash": s.KeyHash()}
}

func genkey(req request) map[string]any {
	skey, vkey, err := note.GenerateKey(rand.Reader, req.Name)
	if err != nil {
		fail(err)
	}
	return map[string]any{"skey": skey, "vkey": vkey}
}

// tree builds the log of req.Entries with tlog's stored hashes and returns every root and every
// inclusion and consistency proof, for Python to compare with its own.
func tree(req request) map[string]any {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	leaves := [][]byte{}
	for i, e := range req.Entries {
		h := tlog.RecordHash(e)
		leaves = append(leaves, h[:])
		more, err := tlog.StoredHashes(int64(i), e, reader)
		if err != nil {
			fail(err)
		}
		stored = append(stored, more...)
	}
	n := int64(len(req.Entries))
	roots := [][]byte{}
	incl := map[string][][]byte{}
	cons := map[string][][]byte{}
	for t := int64(1); t <= n; t++ {
		root, err := tlog.TreeHash(t, reader)
		if err != nil {
			fail(err)
		}
		roots = append(roots, root[:])
		for i := int64(0); i < t; i++ {
			p, err := tlog.ProveRecord(t, i, reader)
			if err != nil {
				fail(err)
			}
			incl[fmt.Sprintf("%d/%d", i, t)] = toBytes(p)
		}
		for m := int64(1); m <= t; m++ {
			p, err := tlog.ProveTree(t, m, reader)
			if err != nil {
				fail(err)
			}
			cons[fmt.Sprintf("%d/%d", m, t)] = toBytes(p)
		}
	}
	return map[string]any{"leaves": leaves, "roots": roots, "inclusion": incl, "consistency": cons}
}

func toBytes(hs []tlog.Hash) [][]byte {
	out := [][]byte{}
	for _, h := range hs {
		h := h
		out = append(out, h[:])
	}
	return out
}

// check runs tlog.CheckRecord and tlog.CheckTree on proofs made by Python; "" means accepted.
func check(req request) map[string]any {
	incl := []string{}
	for _, c := range req.Inclusion {
		err := tlog.CheckRecord(hashes(c.Proof), c.Size, hash(c.Root), c.Index, hash(c.Leaf))
		incl = append(incl, errString(err))
	}
	cons := []string{}
	for _, c := range req.Consistency {
		err := tlog.CheckTree(hashes(c.Proof), c.New, hash(c.NewRoot), c.Old, hash(c.OldRoot))
		cons = append(cons, errString(err))
	}
	return map[string]any{"inclusion": incl, "consistency": cons}
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: c2spcheck open|sign|genkey|tree|check < request.json"))
	}
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	handlers := map[string]func(request) map[string]any{
		"open": open, "sign": sign, "genkey": genkey, "tree": tree, "check": check,
	}
	h, ok := handlers[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	if err := json.NewEncoder(os.Stdout).Encode(h(req)); err != nil {
		fail(err)
	}
}

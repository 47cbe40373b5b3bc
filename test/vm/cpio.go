package main

import (
	"bytes"
	"fmt"
	"path/filepath"
)

// cpio writes the "newc" archive format the kernel unpacks an initramfs
// from: a 110-byte ASCII header per entry, name and data each padded to 4
// bytes, and a TRAILER!!! entry at the end.
type cpio struct {
	buf  bytes.Buffer
	ino  int
	seen map[string]bool
}

func newCpio() *cpio { return &cpio{ino: 1, seen: map[string]bool{}} }

const (
	modeDir  = 0o040000
	modeFile = 0o100000
	modeChr  = 0o020000
	modeLink = 0o120000
)

func (c *cpio) entry(name string, mode, major, minor int, data []byte) {
	if c.seen[name] {
		return
	}
	c.seen[name] = true
	nlink := 1
	if mode&modeDir != 0 {
		nlink = 2
	}
	fmt.Fprintf(&c.buf, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, major, minor, len(name)+1, 0)
	c.ino++
	c.buf.WriteString(name)
	c.buf.WriteByte(0)
	c.pad()
	c.buf.Write(data)
	c.pad()
}

func (c *cpio) pad() {
	for c.buf.Len()%4 != 0 {
		c.buf.WriteByte(0)
	}
}

// parents makes the directories above name, from the top: the kernel's
// unpacker makes one level at a time.
func (c *cpio) parents(name string) {
	var dirs []string
	for d := filepath.Dir(name); d != "."; d = filepath.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	for _, d := range dirs {
		c.dir(d)
	}
}

func (c *cpio) dir(name string)                         { c.entry(name, modeDir|0o755, 0, 0, nil) }
func (c *cpio) file(name string, data []byte, perm int) { c.entry(name, modeFile|perm, 0, 0, data) }
func (c *cpio) symlink(name, target string) {
	c.entry(name, modeLink|0o777, 0, 0, []byte(target))
}
func (c *cpio) charDev(name string, major, minor int) {
	c.entry(name, modeChr|0o600, major, minor, nil)
}
func (c *cpio) bytes() []byte { c.entry("TRAILER!!!", 0, 0, 0, nil); return c.buf.Bytes() }

package jsonline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quote\" back\\ slash", "line\nfeed\r\ttab", "\x00\x01\x1f ctl",
		"<html>&amp;", "utf8 é ü 日本", "bad \xff utf8", "sep \u2028 \u2029", "emoji 🚀"} {
		want, _ := json.Marshal(s)
		if got := string(AppendString(nil, s)); got != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestObjectRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 5, 4, 123456789, time.UTC)
	b := New().String("log", "hi\n").String("stream", "stdout").Time("time", now).Int("n", -3).Bool("ok", true).Strings("l", []string{"a", "\"b"}).Bytes()
	var got struct {
		Log, Stream string
		Time        time.Time
		N           int
		OK          bool `json:"ok"`
		L           []string
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.Log != "hi\n" || got.Stream != "stdout" || !got.Time.Equal(now) || got.N != -3 || !got.OK || len(got.L) != 2 || got.L[1] != "\"b" {
		t.Errorf("round trip: %+v from %s", got, b)
	}
}

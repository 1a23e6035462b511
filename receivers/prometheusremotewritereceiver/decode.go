package prometheusremotewritereceiver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

// protoVersion is the remote-write message a request carries.
type protoVersion uint8

const (
	protoV1 protoVersion = iota + 1
	protoV2
)

const (
	mediaTypeProtobuf = "application/x-protobuf"
	protoV1Name       = "prometheus.WriteRequest"
	protoV2Name       = "io.prometheus.write.v2.Request"
)

// requestError is a failure the client caused; it carries the HTTP status
// to answer with, and its message goes into the response body.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// parseContentType tells the two protocol versions apart. An empty
// Content-Type, or one without a proto parameter, is 1.0: the 1.0
// specification did not require the parameter, and Prometheus's own receiver
// treats both that way.
func parseContentType(contentType string) (protoVersion, error) {
	if contentType == "" {
		return protoV1, nil
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, &requestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("unsupported Content-Type %q: %v", contentType, err)}
	}
	if mediaType != mediaTypeProtobuf {
		return 0, &requestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("unsupported Content-Type %q: remote write is %s", contentType, mediaTypeProtobuf)}
	}
	switch params["proto"] {
	case "", protoV1Name:
		return protoV1, nil
	case protoV2Name:
		return protoV2, nil
	default:
		return 0, &requestError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("unsupported Content-Type %q: proto must be %s or %s", contentType, protoV1Name, protoV2Name)}
	}
}

// Standard snappy's densest element is a 3-byte copy of 64 bytes, so a block
// can never decode to more than 64/3 of its compressed size. Checking the
// announced length against that refuses a tiny body that claims a large
// (but allowed) size before the buffer for it is allocated.
const (
	snappyMaxExpansionNum = 64
	snappyMaxExpansionDen = 3
)

// Buffers larger than this are dropped instead of pooled, so that one
// unusually large request does not keep its memory for the process's life.
const maxPooledBytes = 16 << 20

// payload holds one request's buffers and decoded message. It is pooled:
// decoding copies (or interns) strings out of the input, so the buffers can
// be reused as soon as the message is decoded, and the message's slices can
// be reused by the next request.
type payload struct {
	compressed bytes.Buffer
	// decoded is the pooled buffer; decodedView is the part the last
	// request's message took up.
	decoded     []byte
	decodedView []byte
	v1          prompb.WriteRequest
	v2          writev2.Request
	strings     interner
}

var payloadPool = sync.Pool{New: func() any { return new(payload) }}

func getPayload() *payload { return payloadPool.Get().(*payload) }

func (p *payload) release() {
	p.resetMessages()
	if p.compressed.Cap() > maxPooledBytes {
		p.compressed = bytes.Buffer{}
	}
	p.compressed.Reset()
	if cap(p.decoded) > maxPooledBytes {
		p.decoded = nil
	}
	p.decodedView = nil
	payloadPool.Put(p)
}

// resetMessages empties the messages. The 1.0 series keep their label and
// sample arrays for unmarshalWriteRequest to reuse, but the elements in use
// are cleared so that the pool does not keep the last request's strings
// alive; elements past the lengths were cleared when they were last in use.
func (p *payload) resetMessages() {
	for i := range p.v1.Timeseries {
		ts := &p.v1.Timeseries[i]
		clear(ts.Labels)
		clear(ts.Samples)
		clear(ts.Exemplars)
		clear(ts.Histograms)
		*ts = prompb.TimeSeries{Labels: ts.Labels[:0], Samples: ts.Samples[:0], Exemplars: ts.Exemplars[:0], Histograms: ts.Histograms[:0]}
	}
	series := p.v1.Timeseries[:0]
	if cap(series) > maxPooledSeries {
		series = nil
	}
	clear(p.v1.Metadata)
	p.v1 = prompb.WriteRequest{Timeseries: series, Metadata: p.v1.Metadata[:0]}
	clear(p.v2.Symbols)
	clear(p.v2.Timeseries)
	p.v2 = writev2.Request{Symbols: p.v2.Symbols[:0], Timeseries: p.v2.Timeseries[:0]}
	p.strings.reset()
}

// Series arrays longer than this are not pooled; see maxPooledBytes.
const maxPooledSeries = 1 << 16

// maxPreallocatedBody bounds the buffer reserved before a body's bytes
// arrive; a larger body grows it as it is read.
const maxPreallocatedBody = 1 << 20

// readBody reads the compressed body, refusing more than limit bytes. The
// limit is also enforced by confighttp's MaxBytesReader when the receiver
// runs behind ToServer; checking here too keeps the handler safe on its own.
func (p *payload) readBody(body io.Reader, contentLength, limit int64) error {
	tooLarge := func() error {
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("request body exceeds max_request_body_size (%d bytes)", limit)}
	}
	if contentLength > limit {
		return tooLarge()
	}
	p.compressed.Reset()
	// Sizing the buffer from Content-Length saves regrowth, but only up to
	// a point: a client that claims a large body and sends nothing must not
	// get that much memory for free.
	if contentLength > 0 {
		p.compressed.Grow(int(min(contentLength, maxPreallocatedBody)))
	}
	_, err := p.compressed.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return tooLarge()
		}
		return badRequest("reading request body: %v", err)
	}
	if int64(p.compressed.Len()) > limit {
		return tooLarge()
	}
	return nil
}

// decode snappy-decodes the body and unmarshals the message of the given
// version into p.v1 or p.v2.
func (p *payload) decode(version protoVersion, maxDecoded int64) error {
	src := p.compressed.Bytes()
	n, err := snappy.DecodedLen(src)
	if err != nil {
		return badRequest("snappy: reading block length: %v", err)
	}
	if int64(n) > maxDecoded {
		return &requestError{
			status: http.StatusRequestEntityTooLarge,
			msg:    fmt.Sprintf("snappy block decodes to %d bytes, more than max_decompressed_body_size (%d bytes)", n, maxDecoded),
		}
	}
	if int64(n) > int64(len(src))*snappyMaxExpansionNum/snappyMaxExpansionDen+snappyMaxExpansionNum {
		return badRequest("snappy: corrupt input: block of %d bytes claims to decode to %d bytes", len(src), n)
	}
	if cap(p.decoded) < n {
		p.decoded = make([]byte, n)
	}
	out, err := snappy.Decode(p.decoded[:cap(p.decoded)], src)
	if err != nil {
		return badRequest("snappy: %v", err)
	}
	p.decodedView = out
	switch version {
	case protoV2:
		// The generated Unmarshal appends to what is there.
		p.v2.Symbols, p.v2.Timeseries = p.v2.Symbols[:0], p.v2.Timeseries[:0]
		if err := p.v2.Unmarshal(out); err != nil {
			return badRequest("decoding %s: %v", protoV2Name, err)
		}
	default:
		if err := unmarshalWriteRequest(out, &p.v1, &p.strings); err != nil {
			return badRequest("decoding %s: %v", protoV1Name, err)
		}
	}
	return nil
}

// decodedBytes is the decoded protobuf of the last decode.
func (p *payload) decodedBytes() []byte { return p.decodedView }

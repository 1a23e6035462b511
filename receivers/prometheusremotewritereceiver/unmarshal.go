package prometheusremotewritereceiver

import (
	"errors"
	"fmt"
	"math"

	"github.com/prometheus/prometheus/prompb"
	"google.golang.org/protobuf/encoding/protowire"
)

// unmarshalWriteRequest decodes a 1.0 WriteRequest into req, reusing the
// label and sample slices that req's series had from earlier requests and
// interning strings. The generated Unmarshal allocates each series' label
// slice afresh, growing it label by label, and every label name and value
// separately; in a Prometheus batch the same few names and values repeat
// across thousands of series, and this was half of the cost of a request.
// Exemplars, histograms and metadata are rare and left to the generated code.
func unmarshalWriteRequest(b []byte, req *prompb.WriteRequest, in *interner) error {
	// req.Timeseries always covers every element written so far, even on
	// error, so that payload.resetMessages clears all of them.
	req.Timeseries = req.Timeseries[:0]
	req.Metadata = req.Metadata[:0]
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case 1:
			v, n, err := consumeBytes(b, typ, "WriteRequest.timeseries")
			if err != nil {
				return err
			}
			b = b[n:]
			if n := len(req.Timeseries); n < cap(req.Timeseries) {
				req.Timeseries = req.Timeseries[:n+1]
			} else {
				req.Timeseries = append(req.Timeseries, prompb.TimeSeries{})
			}
			if err := unmarshalTimeSeries(v, &req.Timeseries[len(req.Timeseries)-1], in); err != nil {
				return err
			}
		case 3:
			v, n, err := consumeBytes(b, typ, "WriteRequest.metadata")
			if err != nil {
				return err
			}
			b = b[n:]
			req.Metadata = append(req.Metadata, prompb.MetricMetadata{})
			if err := req.Metadata[len(req.Metadata)-1].Unmarshal(v); err != nil {
				return err
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}

// unmarshalTimeSeries decodes into ts, keeping the backing arrays it had.
func unmarshalTimeSeries(b []byte, ts *prompb.TimeSeries, in *interner) error {
	ts.Labels = ts.Labels[:0]
	ts.Samples = ts.Samples[:0]
	ts.Exemplars = ts.Exemplars[:0]
	ts.Histograms = ts.Histograms[:0]
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if num < 1 || num > 4 {
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n, err := consumeBytes(b, typ, "TimeSeries")
		if err != nil {
			return err
		}
		b = b[n:]
		switch num {
		case 1:
			var l prompb.Label
			if err := unmarshalLabel(v, &l, in); err != nil {
				return err
			}
			ts.Labels = append(ts.Labels, l)
		case 2:
			var s prompb.Sample
			if err := unmarshalSample(v, &s); err != nil {
				return err
			}
			ts.Samples = append(ts.Samples, s)
		case 3:
			ts.Exemplars = append(ts.Exemplars, prompb.Exemplar{})
			if err := ts.Exemplars[len(ts.Exemplars)-1].Unmarshal(v); err != nil {
				return err
			}
		case 4:
			ts.Histograms = append(ts.Histograms, prompb.Histogram{})
			if err := ts.Histograms[len(ts.Histograms)-1].Unmarshal(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func unmarshalLabel(b []byte, l *prompb.Label, in *interner) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case 1, 2:
			v, n, err := consumeBytes(b, typ, "Label")
			if err != nil {
				return err
			}
			b = b[n:]
			if num == 1 {
				l.Name = in.str(v)
			} else {
				l.Value = in.str(v)
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}

func unmarshalSample(b []byte, s *prompb.Sample) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.Fixed64Type:
			v, n := protowire.ConsumeFixed64(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			s.Value = math.Float64frombits(v)
		case num == 2 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			s.Timestamp = int64(v)
		case num == 1 || num == 2:
			return fmt.Errorf("wrong wire type %d for Sample field %d", typ, num)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	return nil
}

var errWireType = errors.New("wrong wire type")

func consumeBytes(b []byte, typ protowire.Type, field string) ([]byte, int, error) {
	if typ != protowire.BytesType {
		return nil, 0, fmt.Errorf("%w %d for %s", errWireType, typ, field)
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, protowire.ParseError(n)
	}
	return v, n, nil
}

// interner hands out one string per distinct byte sequence of a request.
type interner struct {
	m map[string]string
}

// Strings longer than this are rarely repeated (help texts, long label
// values); interning them would only grow the map.
const maxInternLen = 256

func (in *interner) str(b []byte) string {
	if len(b) > maxInternLen {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if in.m == nil {
		in.m = make(map[string]string)
	}
	s := string(b)
	in.m[s] = s
	return s
}

func (in *interner) reset() {
	if len(in.m) > maxPooledMapLen*16 {
		in.m = nil
	} else {
		clear(in.m)
	}
}

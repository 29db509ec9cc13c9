package wire

import "testing"

// curveBenchSizes are the body sizes of the CURVE codec benchmarks.
var curveBenchSizes = []int{64, 1024, 16384}

// BenchmarkCurveSeal measures sealing one frame into a reused buffer.
func BenchmarkCurveSeal(b *testing.B) {
	for _, size := range curveBenchSizes {
		b.Run(byteSize(size), func(b *testing.B) {
			s := runCurveSteps(b, nil)
			cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
			body := make([]byte, size)
			frame := make([]byte, 0, size+64)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if frame, err = cc.Seal(frame[:0], 0, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCurveOpen measures checking and decrypting one frame into a reused
// buffer. The same frame is opened again and again, the last-nonce record put
// back each time so that the replay check passes.
func BenchmarkCurveOpen(b *testing.B) {
	for _, size := range curveBenchSizes {
		b.Run(byteSize(size), func(b *testing.B) {
			s := runCurveSteps(b, nil)
			cc := newCurveCodec(&s.cs.shared, false, s.cs.nonce, s.cs.peerNonce)
			sc := newCurveCodec(&s.ss.shared, true, s.ss.nonce, s.ss.peerNonce)
			frame, err := cc.Seal(nil, 0, make([]byte, size))
			if err != nil {
				b.Fatal(err)
			}
			_, _, n, _ := ConsumeFrameHeader(frame)
			body := frame[n:]
			out := make([]byte, 0, size+64)
			last := sc.recvNonce
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				sc.recvNonce = last
				if _, out, err = sc.Open(out[:0], body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

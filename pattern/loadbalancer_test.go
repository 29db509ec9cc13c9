package pattern

import (
	"fmt"
	"testing"
)

func ExampleLoadBalancer() {
	var lb LoadBalancer[string]
	lb.Attach("a")
	lb.Attach("b")
	lb.Attach("c")
	for i := range 4 {
		p, _ := lb.Next()
		fmt.Print(p, sep(i, 4))
	}

	// b's queue is full: it sits out until it drains.
	lb.Deactivate("b")
	for i := range 4 {
		p, _ := lb.Next()
		fmt.Print(p, sep(i, 4))
	}
	fmt.Println(lb.Len(), lb.Active())
	// Output:
	// a b c a
	// c a c a
	// 3 2
}

// sep returns the separator after item i of n: a space, or a newline after
// the last.
func sep(i, n int) string {
	if i == n-1 {
		return "\n"
	}
	return " "
}

func BenchmarkLoadBalancerNext(b *testing.B) {
	for _, k := range []int{1, 16, 1024} {
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			var lb LoadBalancer[int]
			for p := range k {
				lb.Attach(p)
			}
			b.ReportAllocs()
			for b.Loop() {
				lb.Next()
			}
		})
	}
}

package terraform

// Terraform's IP network functions (cidrhost, cidrnetmask, cidrsubnet,
// cidrsubnets), after internal/lang/funcs/cidr.go in hashicorp/terraform
// and the go-cidr arithmetic it uses. Addresses are big integers of 32 or
// 128 bits.

import (
	"fmt"
	"math/big"
	"net/netip"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/gocty"
)

// network is a parsed prefix: its first address and prefix length.
type network struct {
	addr *big.Int
	ones int
	bits int // 32 or 128
}

func parseNetwork(s string) (network, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return network{}, fmt.Errorf("invalid CIDR expression: %s", err)
	}
	p = p.Masked()
	a := p.Addr()
	if a.Is4In6() {
		a = a.Unmap()
	}
	return network{addr: new(big.Int).SetBytes(a.AsSlice()), ones: p.Bits(), bits: a.BitLen()}, nil
}

// size is 2^(bits-ones), the number of addresses of a prefix of ones bits.
func (n network) size(ones int) *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(n.bits-ones))
}

func (n network) ip(a *big.Int) netip.Addr {
	b := make([]byte, n.bits/8)
	a.FillBytes(b)
	ip, _ := netip.AddrFromSlice(b)
	return ip
}

func (n network) prefix(a *big.Int, ones int) string {
	return netip.PrefixFrom(n.ip(a), ones).String()
}

// contains reports whether a lies in n.
func (n network) contains(a *big.Int) bool {
	shift := uint(n.bits - n.ones)
	return new(big.Int).Rsh(a, shift).Cmp(new(big.Int).Rsh(n.addr, shift)) == 0
}

var cidrSubnetFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		newbits, err := intArg(args[1], 1)
		if err != nil {
			return cty.UnknownVal(cty.String), err
		}
		var netnum *big.Int
		if err := gocty.FromCtyValue(args[2], &netnum); err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(2, err)
		}
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(0, err)
		}
		ones := n.ones + newbits
		if newbits < 0 || ones > n.bits {
			return cty.UnknownVal(cty.String), fmt.Errorf("insufficient address space to extend prefix of %d by %d", n.ones, newbits)
		}
		if netnum.Sign() < 0 || netnum.Cmp(new(big.Int).Lsh(big.NewInt(1), uint(newbits))) >= 0 {
			return cty.UnknownVal(cty.String), fmt.Errorf("prefix extension of %d does not accommodate a subnet numbered %s", newbits, netnum)
		}
		a := new(big.Int).Add(n.addr, new(big.Int).Mul(netnum, n.size(ones)))
		return cty.StringVal(n.prefix(a, ones)), nil
	},
})

var cidrHostFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var host *big.Int
		if err := gocty.FromCtyValue(args[1], &host); err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(1, err)
		}
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(0, err)
		}
		size := n.size(n.ones)
		num := new(big.Int).Set(host)
		if num.Sign() < 0 { // counts back from the last address
			num.Add(num, size)
		}
		if num.Sign() < 0 || num.Cmp(size) >= 0 {
			return cty.UnknownVal(cty.String), fmt.Errorf("prefix of %d does not accommodate a host numbered %s", n.ones, host)
		}
		return cty.StringVal(n.ip(num.Add(num, n.addr)).String()), nil
	},
})

var cidrNetmaskFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), function.NewArgError(0, err)
		}
		if n.bits != 32 {
			return cty.UnknownVal(cty.String), fmt.Errorf("only IPv4 is supported by cidrnetmask")
		}
		mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 32), n.size(n.ones))
		return cty.StringVal(n.ip(mask).String()), nil
	},
})

// cidrSubnetsFunc allocates consecutive subnets of the given extensions
// of prefix, each aligned after the one before, as Terraform does.
var cidrSubnetsFunc = function.New(&function.Spec{
	Params:   []function.Parameter{{Name: "prefix", Type: cty.String}},
	VarParam: &function.Parameter{Name: "newbits", Type: cty.Number},
	Type:     function.StaticReturnType(cty.List(cty.String)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		n, err := parseNetwork(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.List(cty.String)), function.NewArgError(0, err)
		}
		if len(args) == 1 {
			return cty.ListValEmpty(cty.String), nil
		}
		unknown := cty.UnknownVal(cty.List(cty.String))
		total := new(big.Int).Lsh(big.NewInt(1), uint(n.bits))
		// current is the subnet before the first: the prefix's first
		// address minus one, aligned to the first length.
		first, err := intArg(args[1], 1)
		if err != nil {
			return unknown, err
		}
		curOnes := min(max(n.ones+first, 0), n.bits)
		cur := new(big.Int).Sub(n.addr, big.NewInt(1))
		cur.Mod(cur, total)
		cur.Sub(cur, new(big.Int).Mod(cur, n.size(curOnes)))
		out := make([]cty.Value, 0, len(args)-1)
		for i, a := range args[1:] {
			bits, err := intArg(a, i+1)
			if err != nil {
				return unknown, err
			}
			switch {
			case bits < 1:
				return unknown, function.NewArgErrorf(i+1, "must extend prefix by at least one bit")
			case bits > 32:
				return unknown, function.NewArgErrorf(i+1, "may not extend prefix by more than 32 bits")
			case n.ones+bits > n.bits:
				proto := map[int]string{32: "IPv4", 128: "IPv6"}[n.bits]
				return unknown, function.NewArgErrorf(i+1, "would extend prefix to %d bits, which is too long for an %s address", n.ones+bits, proto)
			}
			ones := n.ones + bits
			// The last address of cur, aligned down to the new length,
			// then one past the end of that subnet.
			last := new(big.Int).Add(cur, n.size(curOnes))
			last.Sub(last, big.NewInt(1))
			last.Sub(last, new(big.Int).Mod(last, n.size(ones)))
			next := last.Add(last, n.size(ones))
			if next.Cmp(total) >= 0 || !n.contains(next) {
				return unknown, function.NewArgErrorf(i+1, "not enough remaining address space for a subnet with a prefix of %d bits after %s", ones, n.prefix(cur, curOnes))
			}
			cur, curOnes = next, ones
			out = append(out, cty.StringVal(n.prefix(cur, ones)))
		}
		return cty.ListVal(out), nil
	},
})

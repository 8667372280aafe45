package jsonio

import (
	"unicode/utf16"
	"unicode/utf8"
)

// rawChunkSize is the size of reads of input that needs decoding.
const rawChunkSize = 64 << 10

// decodeFunc converts src to UTF-8 in dst and returns the bytes written and
// consumed. It stops early when dst is nearly full or src ends inside a
// character; final means that no input follows src, so an incomplete
// character at its end becomes U+FFFD.
type decodeFunc func(dst, src []byte, final bool) (nDst, nSrc int)

var decoders = map[string]decodeFunc{
	"utf-8":        nil,
	"utf-16le":     func(dst, src []byte, final bool) (int, int) { return decodeUTF16(dst, src, final, false) },
	"utf-16be":     func(dst, src []byte, final bool) (int, int) { return decodeUTF16(dst, src, final, true) },
	"windows-1252": func(dst, src []byte, final bool) (int, int) { return decodeSingleByte(dst, src, &windows1252) },
	"latin1":       func(dst, src []byte, final bool) (int, int) { return decodeSingleByte(dst, src, nil) },
}

func isEncoding(name string) bool {
	_, ok := decoders[name]
	return ok
}

// decodeUTF16 decodes UTF-16 text. Unpaired surrogates become U+FFFD, as
// encoding/json does with unpaired \u escapes.
func decodeUTF16(dst, src []byte, final, bigEndian bool) (nDst, nSrc int) {
	unit := func(i int) rune {
		if bigEndian {
			return rune(src[i])<<8 | rune(src[i+1])
		}
		return rune(src[i+1])<<8 | rune(src[i])
	}
	for nSrc+1 < len(src) && len(dst)-nDst >= utf8.UTFMax {
		u := unit(nSrc)
		if u < utf8.RuneSelf {
			dst[nDst] = byte(u)
			nDst++
			nSrc += 2
			continue
		}
		size := 2
		if utf16.IsSurrogate(u) {
			if nSrc+3 >= len(src) && !final {
				break
			}
			u = utf8.RuneError
			if nSrc+3 < len(src) {
				if pair := utf16.DecodeRune(unit(nSrc), unit(nSrc+2)); pair != utf8.RuneError {
					u, size = pair, 4
				}
			}
		}
		nDst += utf8.EncodeRune(dst[nDst:], u)
		nSrc += size
	}
	if final && nSrc == len(src)-1 && len(dst)-nDst >= utf8.UTFMax {
		nDst += utf8.EncodeRune(dst[nDst:], utf8.RuneError)
		nSrc++
	}
	return nDst, nSrc
}

// windows1252 maps bytes 0x80 to 0x9F of code page 1252 to Unicode. The five
// bytes that the code page leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
// map to the C1 control characters of the same value, as Windows'
// MultiByteToWideChar does. Bytes 0xA0 to 0xFF are ISO 8859-1.
var windows1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// decodeSingleByte decodes ISO 8859-1, or code page 1252 when high is set.
func decodeSingleByte(dst, src []byte, high *[32]rune) (nDst, nSrc int) {
	for nSrc < len(src) && len(dst)-nDst >= utf8.UTFMax {
		c := src[nSrc]
		nSrc++
		if c < utf8.RuneSelf {
			dst[nDst] = c
			nDst++
			continue
		}
		u := rune(c)
		if high != nil && c < 0xA0 {
			u = high[c-0x80]
		}
		nDst += utf8.EncodeRune(dst[nDst:], u)
	}
	return nDst, nSrc
}

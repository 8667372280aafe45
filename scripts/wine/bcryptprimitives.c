/*
 * bcryptprimitives.dll for Wine 8.0, which does not ship one.
 *
 * Go 1.22 and later load ProcessPrng from bcryptprimitives.dll at start-up
 * and abort when it is missing, so no Go program runs under Debian 12's
 * wine64 without this stand-in. It exports ProcessPrng only and fills the
 * buffer from advapi32's RtlGenRandom (exported as SystemFunction036),
 * which Wine implements.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *            bcryptprimitives.c -ladvapi32
 * scripts/test-windows.sh builds it and copies it into the Wine prefix's
 * system32 folder.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/*
 * ProcessPrng fills data with size random bytes and returns TRUE, or FALSE
 * when RtlGenRandom fails. RtlGenRandom takes a 32-bit length, so larger
 * requests are filled in pieces.
 */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	const ULONG maxPiece = 0x40000000;

	while (size > 0) {
		ULONG piece = size > maxPiece ? maxPiece : (ULONG)size;

		if (!SystemFunction036(data, piece))
			return FALSE;
		data += piece;
		size -= piece;
	}
	return TRUE;
}

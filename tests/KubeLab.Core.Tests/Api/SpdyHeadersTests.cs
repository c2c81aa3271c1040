using System.Diagnostics;
using KubeLab.Server.Streaming;

namespace KubeLab.Core.Tests.Api;

/// <summary>
/// SPDY/3 header blocks against an independent zlib (Python's, the C library): blocks compressed with the SPDY
/// dictionary as Go's spdystream compresses them decode here, and blocks compressed here decode there, frame after
/// frame on one stream as a connection carries them.
/// </summary>
public sealed class SpdyHeadersTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void The_dictionary_is_spdy3s_whose_adler32_clients_name_in_their_zlib_header()
    {
        // draft 3's dictionary is 1423 bytes; its Adler-32 is the DICTID every SPDY/3 client's first header block carries
        Assert.Equal(1423, SpdyHeaders.Dictionary.Length);
        Assert.Equal(0xe3c6a7c2u, SpdyHeaders.Adler32(SpdyHeaders.Dictionary)); // Chromium's kV3DictionaryId
    }

    [SkippableFact]
    public void Blocks_compressed_with_the_dictionary_by_another_zlib_decode_frame_after_frame()
    {
        Skip.IfNot(File.Exists(Python), "NOT RUN: /usr/bin/python3 is not installed");
        // two SYN_STREAM header blocks of one connection, as client-go sends them for exec
        var blocks = RunPython("""
            import sys, zlib, struct
            d = sys.stdin.buffer.read()
            def block(pairs):
                out = struct.pack('>I', len(pairs))
                for k, v in pairs:
                    out += struct.pack('>I', len(k)) + k + struct.pack('>I', len(v)) + v
                return out
            c = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, d)
            for pairs in ([(b'streamtype', b'error')], [(b'streamtype', b'stdout'), (b'port', b'80')]):
                b = c.compress(block(pairs)) + c.flush(zlib.Z_SYNC_FLUSH)
                sys.stdout.write(b.hex() + '\n')
            """, SpdyHeaders.Dictionary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var decompressor = new SpdyHeaders.Decompressor();
        Assert.Equal([("streamtype", "error")], decompressor.Decompress(Convert.FromHexString(blocks[0])));
        Assert.Equal([("streamtype", "stdout"), ("port", "80")], decompressor.Decompress(Convert.FromHexString(blocks[1])));
    }

    [SkippableFact]
    public void Blocks_compressed_here_decode_with_another_zlib_seeded_with_the_dictionary()
    {
        Skip.IfNot(File.Exists(Python), "NOT RUN: /usr/bin/python3 is not installed");
        using var compressor = new SpdyHeaders.Compressor();
        var first = compressor.Compress([]);
        var second = compressor.Compress([("x-stream-protocol-version", "v4.channel.k8s.io")]);
        var decoded = RunPython($$"""
            import sys, zlib
            d = zlib.decompressobj(zdict=sys.stdin.buffer.read())
            for h in ('{{Convert.ToHexString(first)}}', '{{Convert.ToHexString(second)}}'):
                sys.stdout.write(d.decompress(bytes.fromhex(h)).hex() + '\n')
            """, SpdyHeaders.Dictionary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Convert.ToHexString(SpdyHeaders.Encode([])), decoded[0], ignoreCase: true);
        Assert.Equal(Convert.ToHexString(SpdyHeaders.Encode([("x-stream-protocol-version", "v4.channel.k8s.io")])), decoded[1], ignoreCase: true);
    }

    [Fact]
    public void A_block_asking_for_another_dictionary_is_refused()
    {
        using var decompressor = new SpdyHeaders.Decompressor();
        // a zlib header with FDICT set and a dictionary id that is not SPDY/3's
        Assert.Throws<InvalidDataException>(() => decompressor.Decompress([0x78, 0xbb, 0, 0, 0, 1, 0x03, 0x00]));
    }

    private static string RunPython(string script, byte[] input)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output;
    }
}

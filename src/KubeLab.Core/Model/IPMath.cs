using System.Buffers.Binary;
using System.Net;

namespace KubeLab.Core.Model;

/// <summary>IPv4 arithmetic on <see cref="IPAddress"/>.</summary>
public static class IPMath
{
    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    public static IPAddress Add(IPAddress address, long offset) => FromUInt32((uint)(ToUInt32(address) + offset));

    public static uint Size(IPNetwork network) => network.PrefixLength == 0 ? uint.MaxValue : (uint)(1L << (32 - network.PrefixLength));

    public static IPAddress Broadcast(IPNetwork network) => Add(network.BaseAddress, Size(network) - 1);

    /// <summary>Orders IPv4 addresses numerically.</summary>
    public static int Compare(IPAddress a, IPAddress b) => ToUInt32(a).CompareTo(ToUInt32(b));
}

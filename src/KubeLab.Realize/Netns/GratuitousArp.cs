using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using KubeLab.Core;

namespace KubeLab.Realize.Netns;

/// <summary>
/// The announcement the CNI bridge plugin makes for a new pod interface (containernetworking/plugins
/// plugins/main/bridge cmdAdd: after ipam.ConfigureIface, one gratuitous ARP per IPv4 address, sent from the pod's
/// eth0 with arping.GratuitousArpOverIface). That is an ARP request broadcast on the link whose sender and target
/// address are both the pod's IP and whose sender hardware address is eth0's MAC, written whole to an AF_PACKET raw
/// socket. The node's cni0 and the pods beside it update a neighbour entry they already hold for that IP (a pod
/// re-created with its pinned IP has a new MAC) instead of sending to the old MAC until the entry goes stale.
/// MetalLB's layer-2 speaker makes the same announcement when it takes a VIP over (<see cref="AnnounceVip"/>).
/// </summary>
public static partial class GratuitousArp
{
    private const int AfInet = 2;
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const ushort EthPArp = 0x0806;
    private const ulong SiocGifHwAddr = 0x8927;
    private const ulong SiocGifIndex = 0x8933;

    public const ushort Request = 1;
    public const ushort Reply = 2;

    /// <summary>Sends the announcement for <paramref name="address"/> from <paramref name="device"/> in <paramref name="netns"/>.</summary>
    public static void Announce(string netns, string device, IPAddress address) =>
        NetnsThread.Run(netns, () => Send(device, address, [Request]));

    /// <summary>
    /// What MetalLB v0.14.5's speaker sends when it starts announcing <paramref name="vip"/> (internal/layer2/arp.go
    /// Gratuitous): an ARP request, then an ARP reply, each broadcast, sender and target address the VIP, sender
    /// hardware address the interface's MAC, target hardware address ff:ff:ff:ff:ff:ff. Its announcer (announcer.go
    /// spamLoop) sends that pair at once and again every 1.1 s for 5 s, against lost frames; the lab sends the first
    /// pair, which its veths and bridges do not lose.
    /// </summary>
    public static void AnnounceVip(string netns, string device, IPAddress vip) =>
        NetnsThread.Run(netns, () => Send(device, vip, [Request, Reply]));

    /// <summary>The frame: Ethernet header (to ff:ff:ff:ff:ff:ff) and the ARP packet (RFC 826 layout, 42 bytes).</summary>
    public static byte[] Frame(ReadOnlySpan<byte> mac, IPAddress address, ushort operation = Request)
    {
        var ip = address.GetAddressBytes();
        var frame = new byte[42];
        frame.AsSpan(0, 6).Fill(0xff);                                  // destination: broadcast
        mac.CopyTo(frame.AsSpan(6, 6));                                 // source: the interface
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), EthPArp);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 1);     // hardware type: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x0800); // protocol type: IPv4
        frame[18] = 6;                                                  // hardware address length
        frame[19] = 4;                                                  // protocol address length
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(20), operation); // operation: request (1) or reply (2)
        mac.CopyTo(frame.AsSpan(22, 6));                                // sender hardware address
        ip.CopyTo(frame.AsSpan(28, 4));                                 // sender protocol address
        frame.AsSpan(32, 6).Fill(0xff);                                 // target hardware address (as arping writes it)
        ip.CopyTo(frame.AsSpan(38, 4));                                 // target protocol address: the same IP
        return frame;
    }

    private static unsafe void Send(string device, IPAddress address, ushort[] operations)
    {
        var (index, mac) = Interface(device);
        var fd = Socket(AfPacket, SockRaw | SockCloexec, BinaryPrimitives.ReverseEndianness(EthPArp));
        if (fd < 0)
        {
            throw Failure($"socket(AF_PACKET) for {device}");
        }

        try
        {
            // struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]
            var link = stackalloc byte[20];
            new Span<byte>(link, 20).Clear();
            *(ushort*)link = AfPacket;
            *(ushort*)(link + 2) = BinaryPrimitives.ReverseEndianness(EthPArp);
            *(int*)(link + 4) = index;
            link[11] = 6;
            new Span<byte>(link + 12, 6).Fill(0xff);
            foreach (var operation in operations)
            {
                var frame = Frame(mac, address, operation);
                fixed (byte* data = frame)
                {
                    if (SendTo(fd, data, frame.Length, 0, link, 20) != frame.Length)
                    {
                        throw Failure($"sendto(AF_PACKET) on {device}");
                    }
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>The interface's index and MAC (SIOCGIFINDEX, SIOCGIFHWADDR on a socket of this thread's namespace).</summary>
    private static unsafe (int Index, byte[] Mac) Interface(string device)
    {
        var fd = Socket(AfInet, SockDgram | SockCloexec, 0);
        if (fd < 0)
        {
            throw Failure("socket(AF_INET)");
        }

        try
        {
            // struct ifreq: ifr_name[16], then a 24-byte union (ifr_ifindex, or ifr_hwaddr: sa_family and sa_data)
            var request = stackalloc byte[40];
            var name = new Span<byte>(request, 40);
            name.Clear();
            System.Text.Encoding.ASCII.GetBytes(device, name[..15]);
            if (Ioctl(fd, SiocGifIndex, request) != 0)
            {
                throw Failure($"SIOCGIFINDEX {device}");
            }

            var index = *(int*)(request + 16);
            if (Ioctl(fd, SiocGifHwAddr, request) != 0)
            {
                throw Failure($"SIOCGIFHWADDR {device}");
            }

            return (index, new Span<byte>(request + 18, 6).ToArray());
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static KubeLabException Failure(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        return KubeLabException.Host($"gratuitous ARP: {call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, byte* argument);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    private static unsafe partial nint SendTo(int fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

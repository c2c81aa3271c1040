namespace KubeLab.Netns.Tests; internal static class AssemblyMarker { }

namespace KubeLab.Realize; internal static class AssemblyMarker { }

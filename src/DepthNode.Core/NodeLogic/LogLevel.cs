namespace DepthNode.NodeLogic;

public enum LogLevel { Debug, Info, Warn, Error }

namespace DepthNode.Distill.Teachers;

/// <summary>
/// A configured teacher: an ONNX network with its model card (<see cref="Onnx"/>: the .onnx or its card) or a
/// TorchSharp architecture with a weights file (<see cref="Arch"/> + <see cref="Weights"/>), its sampling weight, an
/// optional pseudo-label cache and the execution provider of an ONNX teacher (cpu, or cuda with the logged fallback).
/// </summary>
public sealed record TeacherSpec(string Name, double Weight, string? Onnx, string? Arch, string? Weights, string? Labels, bool Cuda);

"""The office's diagrams stay readable when several changes land in one file: no two elements are drawn on
top of each other, and each is drawn inside the lane it belongs to (the lane decides who does a step, so a
step drawn in another lane's band misleads whoever reads the diagram)."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}
Box = tuple[float, float, float, float]


def _boxes(root: etree._Element) -> dict[str, Box]:
    boxes = {}
    for shape in root.xpath("//bpmndi:BPMNShape", namespaces=NS):
        bounds = shape.find("dc:Bounds", NS)
        boxes[shape.get("bpmnElement")] = tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))
    return boxes


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _inside(point: tuple[float, float], box: Box) -> bool:
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_no_two_elements_are_drawn_on_top_of_each_other(path):
    root = etree.parse(str(path)).getroot()
    containers = {e.get("id") for e in root.xpath("//bpmn:lane | //bpmn:participant | //bpmn:subProcess",
                                                   namespaces=NS)}
    # A boundary event sits on the edge of its step by definition.
    attached = {e.get("id"): e.get("attachedToRef") for e in root.xpath("//bpmn:boundaryEvent", namespaces=NS)}
    shapes = [(element, box) for element, box in _boxes(root).items() if element not in containers]
    clashes = [(a, b) for i, (a, box_a) in enumerate(shapes) for b, box_b in shapes[i + 1:]
               if _overlap(box_a, box_b) and attached.get(a) != b and attached.get(b) != a]
    assert clashes == []


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_every_element_is_drawn_inside_its_lane(path):
    root = etree.parse(str(path)).getroot()
    boxes = _boxes(root)
    misplaced = []
    for lane in root.xpath("//bpmn:lane", namespaces=NS):
        band = boxes[lane.get("id")]
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            box = boxes.get(ref.text)
            if box is not None and not _inside((box[0] + box[2] / 2, box[1] + box[3] / 2), band):
                misplaced.append((ref.text, lane.get("name")))
    assert misplaced == []

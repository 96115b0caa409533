"""The wire code handles exactly what the pinned iam/sts models hold.

``wire.java_regex`` translates the pattern constructs the models' patterns use and refuses the
others; ``wire.xml_out`` writes the output traits the models' outputs use and refuses the others
(flattened lists and maps, other timestamp formats, floating-point numbers). This walks every
shape of both models, so a model update that needs something they refuse fails here, naming the
shape, before any request meets it.
"""

from __future__ import annotations

import pytest
from botocore.model import ServiceModel

from rolegate.wire import load_service
from rolegate.wire.shapes import SpecCompiler
from rolegate.wire.xml_out import XmlWriterCompiler

SERVICES = ("iam", "sts")


def _model(name: str) -> ServiceModel:
    return load_service(name).model


@pytest.mark.parametrize("service", SERVICES)
def test_every_shape_and_pattern_compiles(service: str) -> None:
    model = _model(service)
    compiler = SpecCompiler()
    compiled = 0
    for name in model.shape_names:
        compiled += compiler.compile(model.shape_for(name)).regex is not None
    assert compiled > 10  # the walk reached the patterns


@pytest.mark.parametrize("service", SERVICES)
def test_every_output_has_an_xml_writer(service: str) -> None:
    model = _model(service)
    specs, writers = SpecCompiler(), XmlWriterCompiler()
    outputs = 0
    for operation in model.operation_names:
        output = model.operation_model(operation).output_shape
        if output is not None:
            writers.writer(specs.compile(output))
            outputs += 1
    assert outputs > 10

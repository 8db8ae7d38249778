// spf/record_adapted.hpp: the Fusion adaptation of the AST in record.hpp, so that
// X3 sequences fill these structs member by member. Only grammar_def.hpp includes
// it. Structs of a single member (Include, Exists, Ptr, Redirect, Explanation,
// MacroString, Record) are filled by semantic actions instead: X3 mistakes a
// one-member Fusion sequence for its member.
#pragma once

#include "spf/record.hpp"

#include <boost/fusion/include/adapt_struct.hpp>

BOOST_FUSION_ADAPT_STRUCT(spf::ast::DualCidr, ip4, ip6)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::A, domain, cidr)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::Mx, domain, cidr)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::Ip4, network, prefix)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::Ip6, network, prefix)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::Directive, qualifier, mechanism)
BOOST_FUSION_ADAPT_STRUCT(spf::ast::UnknownModifier, name, value)
